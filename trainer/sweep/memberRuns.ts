// A sweep's members as their run directories say: which run is whose (run.json's `sweep` field),
// and what state each member is in. run.json is the record of a run; sweep.json's state is only
// the scheduler's last view of it, which a killed scheduler or trainer leaves behind.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isLiveStatus, type RunInfo } from '../run/format.js';
import { RunInfoError, readRunInfo } from '../run/runInfoFile.js';
import type { MemberState, SweepMemberRecord } from './sweepFile.js';

/** The newest run of each member of sweep `id` in `runsDir`, by member index. */
export function memberRuns(runsDir: string, id: string): Map<number, { dir: string; info: RunInfo }> {
  const found = new Map<number, { dir: string; info: RunInfo }>();
  let names: string[];
  try {
    names = readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return found;
  }
  for (const name of names) {
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

/** A member's state shown to people: sweep.json's, or `killed` when it was running and its trainer is gone. */
export type ShownState = MemberState | 'killed';

/**
 * What a member is now, from its run and whether its job (trainer) still lives: sweep.json's state
 * unless that is `running`; then the run's status once it finished, `running` while the job
 * lives, and `killed` when the job is gone and the run did not finish.
 */
export function currentState(member: SweepMemberRecord, run: RunInfo | undefined, jobAlive: boolean): ShownState {
  if (member.state !== 'running') return member.state;
  if (run && !isLiveStatus(run.status)) return run.status as MemberState; // stopped, completed, failed or diverged
  return jobAlive ? 'running' : 'killed';
}

/** States `sweep resume` queues again, each from its run's last checkpoint. */
export const resumableStates: ReadonlySet<ShownState> = new Set(['stopped', 'failed', 'diverged', 'killed']);
