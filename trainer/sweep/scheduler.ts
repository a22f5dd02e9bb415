// Who trains a sweep's members: the interface every scheduler implements (the local one here; a
// Slurm one hands the same queue to sbatch), and the local one's side of it in the process that
// asks (`crate-lab sweep`, `sweep stop`, `sweep resume`, later the language server).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { trainerAlive } from '../run/trainerProcess.js';
import { sweepLockHeld } from './lock.js';
import { readSchedulerProcess } from './localScheduler.js';
import { type SchedulerKind, sweepFiles } from './sweepFile.js';

export interface SweepScheduler {
  readonly kind: SchedulerKind;
  /**
   * Has the sweep's queued members trained; with `resume`, its stopped, failed and killed members
   * are queued again first, each to continue from its last checkpoint. Returns once the work is
   * handed over: it goes on without the calling process.
   */
  launch(sweepDir: string, options: { resume: boolean }): Promise<void>;
  /** Whether the scheduler is working on the sweep now. */
  active(sweepDir: string): Promise<boolean>;
  /** Stops the sweep: running members checkpoint and stop, queued ones stay queued. Resolves when it has stopped. */
  stop(sweepDir: string, timeoutMs: number): Promise<void>;
}

/** A sweep did not stop in time, or could not be reached; the message says which and what to do. */
export class SweepSchedulerError extends Error {
  override name = 'SweepSchedulerError';
}

export const localScheduler: SweepScheduler = {
  kind: 'local',

  async launch(sweepDir, { resume }) {
    if (await sweepLockHeld(sweepDir)) return; // already working on it: its queue is the same sweep.json
    const fd = openSync(join(sweepDir, sweepFiles.schedulerLog), 'a');
    try {
      // Detached, in a session of its own: closing VS Code or the terminal does not end it.
      const child = spawn(process.execPath, [process.argv[1], 'sweep', 'scheduler', sweepDir, ...(resume ? ['--resume'] : [])], {
        detached: true,
        stdio: ['ignore', fd, fd],
        shell: false,
      });
      child.unref();
    } finally {
      closeSync(fd);
    }
    // Back once it holds the lock, so that a `sweep status` right after sees it working.
    const deadline = Date.now() + 30_000;
    while (!(await sweepLockHeld(sweepDir))) {
      if (Date.now() > deadline) throw new SweepSchedulerError(`the scheduler did not start within 30 s; see ${join(sweepDir, sweepFiles.schedulerLog)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  },

  active: (sweepDir) => sweepLockHeld(sweepDir),

  async stop(sweepDir, timeoutMs) {
    if (!(await sweepLockHeld(sweepDir))) return;
    const scheduler = readSchedulerProcess(sweepDir);
    if (!scheduler) throw new SweepSchedulerError(`a scheduler holds ${sweepDir} but left no ${sweepFiles.scheduler}`);
    if (scheduler.host !== hostname()) throw new SweepSchedulerError(`the scheduler of ${sweepDir} runs on ${scheduler.host}; stop it there`);
    if (trainerAlive({ pid: scheduler.pid, trainerIdentity: scheduler.identity })) process.kill(scheduler.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (await sweepLockHeld(sweepDir)) {
      if (Date.now() > deadline) throw new SweepSchedulerError(`${sweepDir} did not stop within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  },
};

/** The scheduler of a kind; Slurm's plugs in here (trainer/sweep/slurm.ts). */
export function schedulerFor(kind: SchedulerKind): SweepScheduler {
  if (kind === 'local') return localScheduler;
  throw new SweepSchedulerError('the slurm scheduler is not part of this build yet: use --scheduler local');
}
