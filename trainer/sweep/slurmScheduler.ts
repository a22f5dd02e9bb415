// The Slurm scheduler: a sweep's queued members go to Slurm as ONE job array (sweep/slurm.ts:
// `sbatch --array=0-K%P --requeue …`), whose task i runs `crate-lab sweep member SWEEP_DIR <member>`
// (sweep/slurmMember.ts). That command decides when it starts whether the member trains anew or
// resumes its run's last checkpoint, so a task Slurm requeues (preemption, node failure) continues
// where its checkpoint is. No process of ours follows the array: its state is Slurm's
// (`squeue --json`, then `sacct`) together with the members' run.json; sweep.json keeps the
// settings, the submissions, and each member's array task.
//
// `stop` is `scancel` of the sweep's arrays: Slurm cancels the pending tasks and sends SIGTERM to
// every process of the running ones (SIGKILL after its KillWait, 30 s by default); the trainer
// checkpoints and marks its run stopped. `launch` with `resume` submits a new array of the members
// that are stopped, failed, cancelled or killed.
import { join } from 'node:path';
import { acquireSweepLock, sweepLockHeld } from './lock.js';
import { type JobLife, type ShownState, currentState, memberRuns, stateOnTakeOver } from './memberRuns.js';
import { type MemberJob, type SweepScheduler, SweepSchedulerError } from './scheduler.js';
import { SlurmJobUnknownError, type TaskState, cancel, jobStates, submitArray } from './slurm.js';
import { type SweepRecord, readSweep, sweepFiles, writeSweep } from './sweepFile.js';

/** Slurm states of a task that has not ended; the first two wait to (re)start. */
const waitingStates = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED']);
const runningStates = new Set(['RUNNING', 'SUSPENDED', 'COMPLETING', 'CONFIGURING', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);

const lifeOf = (state: string): JobLife => (waitingStates.has(state) ? 'queued' : runningStates.has(state) ? 'running' : 'gone');

/** `<job id>_<task id>`: a member's array task, as sweep.json records it and Slurm names it. */
const taskName = (jobId: string, task: number): string => `${jobId}_${task}`;

/** Each member's current array task, by member index, from the submissions that hold one. */
async function memberJobs(record: SweepRecord): Promise<Map<number, MemberJob>> {
  const jobs = new Map<number, MemberJob>();
  const current = new Set(record.members.map((m) => m.jobId));
  for (const submission of record.slurm?.submissions ?? []) {
    const tasks = submission.members.map((member, task) => ({ member, task })).filter(({ task }) => current.has(taskName(submission.jobId, task)));
    if (tasks.length === 0) continue;
    let states: TaskState[];
    try {
      states = await jobStates(submission.jobId);
    } catch (e) {
      // Forgotten by slurmctld, and no accounting to ask: long over.
      if (e instanceof SlurmJobUnknownError) states = [];
      else throw e;
    }
    const byTask = new Map(states.map((s) => [s.taskId, s]));
    for (const { member, task } of tasks) {
      const s = byTask.get(task);
      const life = s ? lifeOf(s.state) : 'gone';
      jobs.set(member, s ? { life, state: s.state, ...(life === 'queued' && s.reason && { reason: s.reason }) } : { life });
    }
  }
  return jobs;
}

/**
 * sweep.json as Slurm and the runs say: members whose task lives stay Slurm's; a task cancelled
 * before its member made a run leaves the member queued; the others take their run's state. For
 * a launch, killed members (and with `resume` stopped, failed, diverged ones) are queued again;
 * after a stop, killed ones stay shown as killed, for `sweep resume`.
 */
function settle(record: SweepRecord, jobs: Map<number, MemberJob>, after: 'launch' | 'resume' | 'stop'): void {
  const runs = memberRuns(record.runsDir, record.id);
  for (const m of record.members) {
    const run = runs.get(m.index);
    if (run) m.runDir = run.dir;
    const job = jobs.get(m.index);
    if (m.state === 'running' && job && job.life !== 'gone') continue;
    const state: ShownState = m.state === 'running' && !run && job?.state === 'CANCELLED' ? 'queued' : currentState(m, run?.info, 'gone');
    m.state = after === 'stop' ? (state === 'killed' ? 'running' : state) : stateOnTakeOver(state, after === 'resume');
    if (m.state === 'queued') m.error = undefined;
    else if ((m.state === 'failed' || m.state === 'diverged') && run?.info.error) m.error = run.info.error;
  }
}

export const slurmScheduler: SweepScheduler = {
  kind: 'slurm',

  async launch(sweepDir, { resume }) {
    const lock = await acquireSweepLock(sweepDir);
    if (!lock) throw new SweepSchedulerError(`another crate-lab is submitting or stopping ${sweepDir} now; try again when it is done`);
    try {
      const record = readSweep(sweepDir);
      const slurm = record.slurm;
      if (!slurm) throw new SweepSchedulerError(`${join(sweepDir, sweepFiles.record)} has no Slurm settings (slurm): it was not made for the slurm scheduler`);
      settle(record, await memberJobs(record), resume ? 'resume' : 'launch');
      const queued = record.members.filter((m) => m.state === 'queued');
      if (queued.length > 0) {
        const submitted = await submitArray({
          name: record.id,
          // The CLI script this process runs: the compute nodes see it on the shared file system, as they see the runs.
          members: queued.map((m) => ({ argv: [process.execPath, process.argv[1], 'sweep', 'member', sweepDir, String(m.index)] })),
          maxParallel: record.parallel,
          dir: join(sweepDir, sweepFiles.slurm),
          cpusPerTask: slurm.cpusPerTask,
          ...(slurm.gres !== undefined && { gres: slurm.gres }),
          ...(slurm.time !== undefined && { time: slurm.time }),
          ...(slurm.partition !== undefined && { partition: slurm.partition }),
          ...(slurm.account !== undefined && { account: slurm.account }),
          requeue: true,
          extraArgs: slurm.extraArgs,
        });
        slurm.submissions.push({ jobId: submitted.jobId, members: queued.map((m) => m.index), submittedAt: new Date().toISOString(), command: submitted.command, dir: submitted.submissionDir });
        queued.forEach((m, task) => {
          m.state = 'running';
          m.jobId = taskName(submitted.jobId, task);
          m.starts++;
        });
      }
      writeSweep(sweepDir, record);
    } finally {
      lock.release();
    }
  },

  async active(sweepDir, jobs) {
    if (await sweepLockHeld(sweepDir)) return true; // a launch is submitting
    return [...(jobs ?? (await memberJobs(readSweep(sweepDir)))).values()].some((j) => j.life !== 'gone');
  },

  jobs: (_sweepDir, record) => memberJobs(record),

  async stop(sweepDir, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    const lock = await acquireSweepLock(sweepDir);
    if (!lock) throw new SweepSchedulerError(`another crate-lab is submitting or stopping ${sweepDir} now; try again when it is done`);
    try {
      const record = readSweep(sweepDir);
      let jobs = await memberJobs(record);
      const live = new Set<string>();
      for (const m of record.members) {
        const job = jobs.get(m.index);
        if (m.jobId && job && job.life !== 'gone') live.add(m.jobId.split('_')[0]);
      }
      for (const jobId of live) await cancel(jobId);
      while ([...jobs.values()].some((j) => j.life !== 'gone')) {
        if (Date.now() > deadline) throw new SweepSchedulerError(`Slurm did not end the tasks of ${sweepDir} within ${Math.round(timeoutMs / 1000)} s (scancel ${[...live].join(' ')}); see squeue`);
        await new Promise((r) => setTimeout(r, 300));
        jobs = await memberJobs(record);
      }
      settle(record, jobs, 'stop');
      writeSweep(sweepDir, record);
    } finally {
      lock.release();
    }
  },
};
