// One scheduler per sweep: a kernel lock named for the sweep folder (run/kernelLock.ts), which the
// kernel releases when its process ends, however it ends, so a lock is never left stale, and a
// second scheduler cannot take it while the first lives. The local scheduler holds it while it
// works; a Slurm launch holds it while it submits.
import { hostname } from 'node:os';
import { type KernelLock, holdKernelLock, kernelLockHolder, kernelLockName } from '../run/kernelLock.js';

export type SweepLock = KernelLock;

/** The sweep's lock, or undefined when another process holds it. Where there are no kernel lock names, a lock that locks nothing. */
export async function acquireSweepLock(sweepDir: string): Promise<SweepLock | undefined> {
  const name = kernelLockName('sweep', sweepDir);
  if (name === undefined) return { release: () => {} };
  return holdKernelLock(name, { pid: process.pid, host: hostname() });
}

/** Whether some process holds the sweep's lock (a scheduler is working on it). */
export async function sweepLockHeld(sweepDir: string): Promise<boolean> {
  const name = kernelLockName('sweep', sweepDir);
  return name !== undefined && (await kernelLockHolder(name)) !== undefined;
}
