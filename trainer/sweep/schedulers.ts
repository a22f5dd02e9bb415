// The scheduler of each kind (`crate-lab sweep --scheduler local|slurm`, sweep.json's `scheduler`).
import { localScheduler } from './localScheduler.js';
import type { SweepScheduler } from './scheduler.js';
import { slurmScheduler } from './slurmScheduler.js';
import type { SchedulerKind } from './sweepFile.js';

export function schedulerFor(kind: SchedulerKind): SweepScheduler {
  return kind === 'local' ? localScheduler : slurmScheduler;
}
