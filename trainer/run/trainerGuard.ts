// One writer per run, and a heartbeat that beats whatever a step costs. Both live in a worker
// thread, because the training thread can be busy for many seconds at a time (on wasm one
// micro-batch of a large model is one synchronous call):
// - the run lock is a kernel lock named after the run directory (run/kernelLock.ts: its name, and
//   how another process asks who holds it) that the worker listens on, answering as kernelLock's
//   holders do: a trainer that finds the name taken connects to it and the holder's worker says
//   who it is, even mid-step;
// - the heartbeat: every heartbeatIntervalMs the worker rewrites run.json with a fresh
//   `heartbeat`. run.json's writes from the two threads are serialized by a mutex in shared memory,
//   and the worker re-reads the file under it, so a beat never brings back an older record.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { heartbeatIntervalMs, runFiles } from './format.js';
import { type LockHolder, kernelLockHolder, kernelLockName } from './kernelLock.js';
import { processIdentity } from './trainerProcess.js';

/** The run is being written by another live trainer; the message names it. */
export class RunLockedError extends Error {
  override name = 'RunLockedError';
}

/** The run lock's kernel name (run/kernelLock.ts), or undefined where there are none (runs are not locked). */
const lockName = (runDir: string): string | undefined => kernelLockName('run', runDir);

/** One line naming the trainer that holds `runDir` (the CLI's and the server's refusal). */
export function runLockedMessage(runDir: string, holder: LockHolder | undefined): string {
  const who = holder ? `another trainer (pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''})` : 'another trainer';
  return `${runDir} is being trained by ${who}; wait for it to end or stop it: crate-lab stop ${runDir}`;
}

/** The holder of `runDir`'s lock, or undefined when no live trainer holds it. */
export function runLockHolder(runDir: string): Promise<LockHolder | undefined> {
  let name: string | undefined;
  try {
    name = lockName(runDir);
  } catch {
    return Promise.resolve(undefined);
  }
  return name === undefined ? Promise.resolve(undefined) : kernelLockHolder(name);
}

export type { LockHolder } from './kernelLock.js';

// The worker's source: plain CommonJS, so it runs the same from the CLI bundle and under tsx.
// Shared words: [0] the run.json mutex (0 free, 1 held), [1] set once the guard is released.
const workerSource = String.raw`
const { workerData, parentPort } = require('node:worker_threads');
const { createServer } = require('node:net');
const fs = require('node:fs');
const { name, holder, runJson, intervalMs, shared } = workerData;
const words = new Int32Array(shared);
function exclusive(f) {
  while (Atomics.compareExchange(words, 0, 0, 1) !== 0) Atomics.wait(words, 0, 1, 20);
  try { return f(); } finally { Atomics.store(words, 0, 0); Atomics.notify(words, 0); }
}
function beat() {
  exclusive(() => {
    if (Atomics.load(words, 1) !== 0) return;
    const tmp = runJson + '.tmp-heartbeat-' + process.pid;
    try {
      const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
      const fd = fs.openSync(runJson, O_RDONLY | O_NOFOLLOW);
      let info;
      try { info = JSON.parse(fs.readFileSync(fd, 'utf8')); } finally { fs.closeSync(fd); }
      info.heartbeat = new Date().toISOString();
      fs.rmSync(tmp, { force: true });
      const out = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
      try { fs.writeFileSync(out, JSON.stringify(info, null, 2) + '\n'); fs.fsyncSync(out); } finally { fs.closeSync(out); }
      fs.renameSync(tmp, runJson);
    } catch {
      try { fs.rmSync(tmp, { force: true }); } catch {}
    }
  });
}
parentPort.on('message', (m) => { if (m === 'beat') setInterval(beat, intervalMs); });
if (name === null) parentPort.postMessage({ lock: 'none' });
else {
  const server = createServer((socket) => socket.end(JSON.stringify(holder)));
  server.on('error', (e) => parentPort.postMessage({ lock: e.code === 'EADDRINUSE' ? 'busy' : 'error', message: e.message }));
  server.listen(name, () => parentPort.postMessage({ lock: 'held' }));
}
`;

export class TrainerGuard {
  private readonly words = new Int32Array(new SharedArrayBuffer(8));
  private worker: Worker | undefined;

  private constructor(readonly runDir: string) {}

  /**
   * Takes `runDir`'s lock for this process, or throws RunLockedError naming the trainer that
   * holds it. The heartbeat starts with startHeartbeat, once run.json is this trainer's.
   */
  static async acquire(runDir: string): Promise<TrainerGuard> {
    const guard = new TrainerGuard(runDir);
    const name = lockName(runDir) ?? null;
    const holder: LockHolder = { pid: process.pid, host: hostname(), trainerIdentity: processIdentity(process.pid) };
    const worker = new Worker(workerSource, { eval: true, workerData: { name, holder, runJson: join(runDir, runFiles.info), intervalMs: heartbeatIntervalMs, shared: guard.words.buffer } });
    worker.unref();
    const answer = await new Promise<{ lock: string; message?: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    guard.worker = worker;
    if (answer.lock === 'held' || answer.lock === 'none') return guard;
    await guard.release();
    if (answer.lock === 'busy') throw new RunLockedError(runLockedMessage(runDir, await runLockHolder(runDir)));
    throw new Error(`cannot lock ${runDir}: ${answer.message}`);
  }

  /** Runs `write` (a write of run.json) while the heartbeat cannot write it. */
  exclusive<T>(write: () => T): T {
    const w = this.words;
    while (Atomics.compareExchange(w, 0, 0, 1) !== 0) Atomics.wait(w, 0, 1, 20);
    try {
      return write();
    } finally {
      Atomics.store(w, 0, 0);
      Atomics.notify(w, 0);
    }
  }

  /** From now on run.json's heartbeat is refreshed every heartbeatIntervalMs, even while this thread computes. */
  startHeartbeat(): void {
    this.worker?.postMessage('beat');
  }

  /** Stops the heartbeat (no beat after this returns) and frees the lock. */
  async release(): Promise<void> {
    this.exclusive(() => Atomics.store(this.words, 1, 1));
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
