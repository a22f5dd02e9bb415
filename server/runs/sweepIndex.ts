// The sweeps the server knows: sweep folders (a `sweep.json`, docs/run-directory.md, Sweeps) in the
// watched runs directories, each read again only when its sweep.json changes (size, mtime), and
// the summary of each sweep from its record and its members' runs as the index has them. Member
// runs are ordinary runs beside the folder; their run.json names the sweep.
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SweepFileError, type SweepMemberRecord, type SweepRecord, readSweep, sweepFiles } from '../../trainer/sweep/sweepFile.js';
import type { RunSummary, SweepCounts, SweepSummary } from '../../protocol/runData.js';
import { isLive, newestFirst } from '../../protocol/runPredicates.js';

interface SweepFolder {
  /** sweep.json's size and mtime when it was read. */
  stamp: string;
  record?: SweepRecord;
  /** sweep.json is damaged or unreadable: why. */
  error?: string;
  /** The record's members by index. */
  members: Map<number, SweepMemberRecord>;
}

export class SweepIndex {
  private readonly folders = new Map<string, SweepFolder>();

  /**
   * Looks at a folder of a runs directory that is not a run: tracks it when it holds sweep.json,
   * re-reading the record when the file changed, and forgets it when it no longer does.
   */
  look(dir: string): void {
    let stamp: string;
    try {
      const s = statSync(join(dir, sweepFiles.record));
      stamp = `${s.size}:${s.mtimeMs}:${s.ino}`;
    } catch {
      this.folders.delete(dir);
      return;
    }
    if (this.folders.get(dir)?.stamp === stamp) return;
    try {
      const record = readSweep(dir);
      this.folders.set(dir, { stamp, record, members: new Map(record.members.map((m) => [m.index, m])) });
    } catch (e) {
      if (!(e instanceof SweepFileError)) throw e;
      this.folders.set(dir, { stamp, error: e.message, members: new Map() });
    }
  }

  /** Keeps only the sweep folders among `present` (the folders of the watched runs directories, as a full rescan found them). */
  keep(present: Set<string>): void {
    for (const dir of this.folders.keys()) if (!present.has(dir)) this.folders.delete(dir);
  }

  /** The varying values of a member run (run.json's `sweep`), when its sweep folder is known. */
  valuesOf(runDir: string, sweep: { id: string; member: number }): Record<string, unknown> | undefined {
    return this.folders.get(join(dirname(runDir), sweep.id))?.members.get(sweep.member)?.values;
  }

  has(dir: string): boolean {
    return this.folders.has(dir);
  }

  /** Every known sweep (of one runs directory when given), newest first, from the runs as the index has them. */
  summaries(runs: RunSummary[], runsDir?: string): SweepSummary[] {
    // A member run is the sweep's when it lies beside the sweep folder and names the sweep's id.
    const bySweep = new Map<string, RunSummary[]>();
    for (const run of runs) {
      if (!run.sweep) continue;
      const key = join(dirname(run.dir), run.sweep.id);
      if (!this.folders.has(key)) continue;
      const list = bySweep.get(key);
      if (list) list.push(run);
      else bySweep.set(key, [run]);
    }
    const out: SweepSummary[] = [];
    for (const [dir, folder] of this.folders) {
      if (runsDir !== undefined && dirname(dir) !== runsDir) continue;
      out.push(summarize(dir, folder, bySweep.get(dir) ?? []));
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.dir.localeCompare(b.dir));
  }
}

function summarize(dir: string, folder: SweepFolder, runs: RunSummary[]): SweepSummary {
  // Each member counts once, by its newest run (one killed before its first checkpoint was trained anew beside it).
  const newest = new Map<number, RunSummary>();
  for (const run of [...runs].sort(newestFirst)) if (!newest.has(run.sweep!.member)) newest.set(run.sweep!.member, run);
  const counts: SweepCounts = { done: 0, running: 0, queued: 0, failed: 0, stopped: 0 };
  const indices = folder.record ? folder.record.members.map((m) => m.index) : [...newest.keys()].sort((a, b) => a - b);
  for (const index of indices) counts[countOf(folder.members.get(index), newest.get(index))]++;
  const record = folder.record;
  return {
    id: record?.id ?? basename(dir),
    name: record?.name ?? basename(dir),
    dir,
    runsDir: dirname(dir),
    source: record?.source ?? '',
    createdAt: record?.createdAt ?? '',
    scheduler: record?.scheduler ?? '',
    parallel: record?.parallel ?? 0,
    varying: record?.varying ?? [],
    members: indices.length,
    counts,
    runDirs: indices.flatMap((i) => newest.get(i)?.dir ?? []),
    ...(folder.error ? { error: folder.error } : {}),
  };
}

/**
 * Which count a member falls in. Its newest run decides (the server's status, which knows dead
 * trainers), except that a member sweep.json queued again (a resume) is queued until it runs; a
 * member without a run is queued, or failed when its trainer failed before making one.
 */
function countOf(member: SweepMemberRecord | undefined, run: RunSummary | undefined): keyof SweepCounts {
  if (!run) return member?.state === 'failed' || member?.state === 'diverged' ? 'failed' : 'queued';
  if (isLive(run)) return 'running';
  if (member?.state === 'queued') return 'queued';
  if (run.status === 'completed') return 'done';
  if (run.status === 'stopped') return 'stopped';
  return 'failed';
}
