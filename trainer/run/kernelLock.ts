// Locks the kernel holds for a process: a socket listening on a name made from a folder (an
// abstract Unix socket on Linux, a named pipe on Windows). A second process cannot listen on the
// same name while the first lives, and the kernel frees it when that process ends, however it
// ends (SIGKILL, a crash), so a lock is never left stale and there is nothing to judge or take
// over. Whoever connects is answered with the holder's JSON (who it is) and the socket is ended:
// that is how another process asks whether, and by whom, a folder is held.
//
// Used for a run (one trainer writes it: run/trainerGuard.ts, which listens in a worker thread so
// that it answers even mid-step) and a sweep (one scheduler works on it: sweep/lock.ts).
import { statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { hostname } from 'node:os';

/** Who holds a lock, as it answers. */
export interface LockHolder {
  pid: number;
  host: string;
  /** A trainer's process identity (run/trainerProcess.ts), for the run lock. */
  trainerIdentity?: string;
}

/** What a holder that could not be understood (or did not answer in time) is taken for: held, by someone. */
const someone = (): LockHolder => ({ pid: -1, host: hostname() });

/**
 * The kernel name of `kind`'s lock on folder `dir`: the folder's device and inode, so every path
 * to it (links, bind mounts) names one lock. Undefined where the platform has no such names (then
 * nothing is locked). Throws when `dir` cannot be stat'ed.
 */
export function kernelLockName(kind: 'run' | 'sweep', dir: string): string | undefined {
  const { dev, ino } = statSync(dir);
  if (process.platform === 'linux') return `\0crate-lab-${kind}-${dev}-${ino}`;
  if (process.platform === 'win32') return `\\\\?\\pipe\\crate-lab-${kind}-${dev}-${ino}`;
  return undefined;
}

/** The holder of lock `name`, or undefined when no live process holds it. */
export function kernelLockHolder(name: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const done = (holder: LockHolder | undefined): void => {
      socket.destroy();
      resolve(holder);
    };
    // A holder always answers at once (it listens on a thread that is never busy); silence still means held.
    socket.setTimeout(2000, () => done(someone()));
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.on('end', () => {
      try {
        done(JSON.parse(text) as LockHolder);
      } catch {
        done(someone());
      }
    });
    socket.on('error', () => done(undefined));
  });
}

export interface KernelLock {
  release(): void;
}

/**
 * Takes lock `name` for this process, listening on this thread (for a process whose thread is
 * free to answer, like a scheduler); undefined when another process holds it.
 */
export function holdKernelLock(name: string, holder: LockHolder): Promise<KernelLock | undefined> {
  const server = createServer((socket) => socket.end(JSON.stringify(holder)));
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen({ path: name }, () => {
      server.unref();
      resolve({ release: () => server.close() });
    });
  });
}
