// A sweep's members as their run directories say: which run is whose (run.json's `sweep` field),
// what state each member is in, and the command that trains it on from there. Shared by every
// scheduler. run.json is the record of a run; sweep.json's state is only the scheduler's last
// view of it, which a killed scheduler or trainer leaves behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isLiveStatus, type RunInfo, runFiles } from '../run/format.js';
import { RunInfoError, readRunInfo } from '../run/runInfoFile.js';
import { runFolderNames } from '../run/runsFolder.js';
import type { MemberState, SweepMemberRecord, SweepRecord } from './sweepFile.js';

/** The newest run of each member of sweep `id` in `runsDir`, by member index. */
export function memberRuns(runsDir: string, id: string): Map<number, { dir: string; info: RunInfo }> {
  const found = new Map<number, { dir: string; info: RunInfo }>();
  for (const name of runFolderNames(runsDir)) {
    let info: RunInfo;
    try {
      info = readRunInfo(join(runsDir, name));
    } catch (e) {
      if (e instanceof RunInfoError) continue; // not a run (the sweep folders), or a damaged one
      throw e;
    }
    if (info.sweep?.id !== id) continue;
    const seen = found.get(info.sweep.member);
    if (!seen || seen.info.createdAt < info.createdAt) found.set(info.sweep.member, { dir: join(runsDir, name), info });
  }
  return found;
}

/**
 * A member's state shown to people: sweep.json's, `killed` when it was running and its trainer is
 * gone, `unknown` when only its scheduler could tell and cannot be asked (Slurm down).
 */
export type ShownState = MemberState | 'killed' | 'unknown';

/** Where a member's job is, as its scheduler sees it: waiting to start (Slurm's PENDING), running, or gone. */
export type JobLife = 'queued' | 'running' | 'gone';

/**
 * What a member is now, from its run and its job: sweep.json's state unless that is `running`;
 * then the job's while it lives (a run stopped earlier waits in it to be resumed), the run's
 * status once it finished, and `killed` when the job is gone and the run did not finish.
 */
export function currentState(member: SweepMemberRecord, run: RunInfo | undefined, job: JobLife): Exclude<ShownState, 'unknown'> {
  if (member.state === 'running' && job !== 'gone') return job;
  const known = stateWithoutJob(member, run);
  return known === 'unknown' ? 'killed' : known;
}

/** What sweep.json and the run tell without the job: `unknown` for a running member whose run has not ended. */
export function stateWithoutJob(member: SweepMemberRecord, run: RunInfo | undefined): ShownState {
  if (member.state !== 'running') return member.state;
  if (run && !isLiveStatus(run.status)) return run.status as MemberState; // stopped, completed, failed or diverged
  return 'unknown';
}

/** States `sweep resume` queues again, each from its run's last checkpoint. */
const resumableStates: ReadonlySet<ShownState> = new Set(['stopped', 'failed', 'diverged', 'killed']);

/**
 * The state a scheduler taking the sweep over gives a member: killed members are queued again
 * (their trainer died with a scheduler or a machine), and with `resume` also stopped, failed and
 * diverged ones; the rest keep theirs.
 */
export function stateOnTakeOver(state: ShownState, resume: boolean): MemberState {
  return state === 'killed' || (resume && resumableStates.has(state)) ? 'queued' : (state as MemberState);
}

/**
 * The crate-lab command line (after the CLI script) that trains a queued member: `resume` of its
 * run when that has a checkpoint, else `train` of its config into a new run that names the sweep.
 * Every scheduler runs members with it.
 */
export function memberCommand(sweepDir: string, sweep: Pick<SweepRecord, 'id'>, m: SweepMemberRecord): { args: string[]; resumes: boolean } {
  if (m.runDir !== undefined && existsSync(join(m.runDir, runFiles.latest))) return { args: ['resume', m.runDir, '--json'], resumes: true };
  return { args: ['train', join(sweepDir, m.config), '--sweep-member', `${sweep.id}:${m.index}`, '--json'], resumes: false };
}
