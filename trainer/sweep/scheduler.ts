// Who trains a sweep's members: the interface every scheduler implements, in the process that
// asks (`crate-lab sweep`, `sweep status`, `sweep stop`, `sweep resume`, later the language
// server). The local one (sweep/localScheduler.ts) runs them on this machine; the Slurm one
// (sweep/slurmScheduler.ts) hands them to Slurm as a job array. sweep/schedulers.ts picks one.
import type { JobLife } from './memberRuns.js';
import type { SchedulerKind, SweepRecord } from './sweepFile.js';

/** A member's job as its scheduler sees it now. */
export interface MemberJob {
  life: JobLife;
  /** The scheduler's own word for the job's state (Slurm's: PENDING, RUNNING, CANCELLED, TIMEOUT, …); none for the local scheduler. */
  state?: string;
  /** Why a pending job waits, when the scheduler says (Slurm's reason: Priority, JobArrayTaskLimit, …). */
  reason?: string;
}

export interface SweepScheduler {
  readonly kind: SchedulerKind;
  /**
   * Has the sweep's queued members trained; with `resume`, its stopped, failed and killed members
   * are queued again first, each to continue from its last checkpoint. Returns once the work is
   * handed over: it goes on without the calling process.
   */
  launch(sweepDir: string, options: { resume: boolean }): Promise<void>;
  /** Whether the scheduler is working on the sweep now; `jobs`, when the caller has just asked for them, spares asking again. */
  active(sweepDir: string, jobs?: Map<number, MemberJob>): Promise<boolean>;
  /** Each member's job now, by member index (members that never had one are absent). */
  jobs(sweepDir: string, record: SweepRecord): Promise<Map<number, MemberJob>>;
  /** Stops the sweep: running members checkpoint and stop, queued ones stay queued. Resolves when it has stopped. */
  stop(sweepDir: string, timeoutMs: number): Promise<void>;
}

/** A sweep did not stop in time, or could not be reached; the message says which and what to do. */
export class SweepSchedulerError extends Error {
  override name = 'SweepSchedulerError';
}
