// One scheduler per sweep: the lock is a Unix socket in Linux's abstract namespace, named for the
// sweep folder. The kernel releases it when its process ends, however it ends (SIGKILL, a crash),
// so a lock is never left stale, and a second scheduler cannot take it while the first lives.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';

const lockName = (sweepDir: string): string => `\0crate-lab-sweep-${createHash('sha256').update(realpathSync(sweepDir)).digest('hex').slice(0, 40)}`;

export interface SweepLock {
  release(): void;
}

/** The sweep's lock, or undefined when another process holds it. */
export function acquireSweepLock(sweepDir: string): Promise<SweepLock | undefined> {
  const server: Server = createServer((socket) => socket.end());
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(e)));
    server.listen({ path: lockName(sweepDir) }, () => {
      server.unref();
      resolve({ release: () => server.close() });
    });
  });
}

/** Whether some process holds the sweep's lock (a scheduler is working on it). */
export function sweepLockHeld(sweepDir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path: lockName(sweepDir) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
