// A new sweep folder in the runs folder: the members' configs, then sweep.json, written last, so a
// folder with a sweep.json is a whole sweep. The members' runs are made beside it, in the runs
// folder itself, where the server already lists runs; their run.json names the sweep.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { stringifyConfig } from '../config/serialize.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { fileStamp } from '../run/format.js';
import type { SweepMember } from './expand.js';
import { type SchedulerKind, type SlurmLaunchSettings, type SweepRecord, memberFile, sweepFiles, writeSweep } from './sweepFile.js';

export interface NewSweep {
  name: string;
  /** The *.crate.yaml it comes from (absolute). */
  source: string;
  members: SweepMember[];
  varying: string[];
  runsDir: string;
  scheduler: SchedulerKind;
  parallel: number;
  /** The wasm threads of a member whose config gives `threads` (0: the machine's cores). */
  threads: (configured: number) => number;
  /** The Slurm scheduler's settings (scheduler `slurm`). */
  slurm?: SlurmLaunchSettings;
}

/** `<name>-sweep-<UTC time>-<4 hex>`: sorts by time, and two sweeps started together differ. */
function newSweepId(name: string): string {
  const stamp = fileStamp();
  return `${name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}-sweep-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * The wasm backend's threads of a member the local scheduler trains, whose config leaves them to
 * the machine (threads: 0): the cores shared among the members that train at once.
 */
export const memberThreads = (configured: number, parallel: number): number => (configured > 0 ? configured : Math.max(1, Math.floor(availableParallelism() / parallel)));

/** Makes the sweep folder and returns it with its record. */
export function createSweep(sweep: NewSweep): { dir: string; record: SweepRecord } {
  mkdirSync(sweep.runsDir, { recursive: true });
  for (let attempt = 1; ; attempt++) {
    const id = newSweepId(sweep.name);
    const dir = join(sweep.runsDir, id);
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 10) continue;
      throw e;
    }
    try {
      mkdirSync(join(dir, sweepFiles.members));
      mkdirSync(join(dir, sweepFiles.logs));
      const record: SweepRecord = {
        version: 1,
        id,
        name: sweep.name,
        source: sweep.source,
        createdAt: new Date().toISOString(),
        scheduler: sweep.scheduler,
        parallel: sweep.parallel,
        runsDir: sweep.runsDir,
        varying: sweep.varying,
        members: sweep.members.map((m) => {
          const config = { ...m.config, runsDir: sweep.runsDir, threads: sweep.threads(m.config.threads) };
          writeFileAtomic(join(dir, memberFile('members', m.index)), stringifyConfig(config));
          return { index: m.index, name: m.name, values: m.values, config: memberFile('members', m.index), state: 'queued', starts: 0 };
        }),
        ...(sweep.slurm && { slurm: { ...sweep.slurm, submissions: [] } }),
      };
      writeSweep(dir, record);
      return { dir, record };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }
}
