// What the language features ask of the run manager's in-memory index (WatchedRuns implements it):
// the runs of a config, and the last measured throughput of a run of the same shape. Nothing here
// reads the disk, so code lenses and inlay hints cost no I/O per request.
//
// A run belongs to a config when its run.json `name` is the config's resolved name (its `name:`
// or, by default, the file name) and it lies in the config's resolved `runsDir`. Not by config
// hash: the hash changes with every edit and with the CLI's overrides (--max-steps, --runs-dir),
// while "the runs of this config" are what a researcher compares across such edits.
import type { ResolvedConfig } from '../../trainer/config/index.js';
import type { RunSummary } from '../../protocol/runData.js';

/**
 * The fields of a resolved config that decide a step's cost, so a run's measured images/s holds
 * for another config that agrees on all of them: the model shape and the batch size. (The
 * CRATE-α switches change the cost too; they are part of the shape a run is matched on.)
 */
export interface CostShape {
  model: Pick<ResolvedConfig['model'], 'arch' | 'width' | 'depth' | 'heads' | 'image' | 'patch' | 'channels' | 'classes' | 'overcomplete' | 'decoupled' | 'residual'>;
  batchSize: number;
}

export const costShapeModelKeys = ['arch', 'width', 'depth', 'heads', 'image', 'patch', 'channels', 'classes', 'overcomplete', 'decoupled', 'residual'] as const;

export function costShapeOf(config: ResolvedConfig): CostShape {
  const model = Object.fromEntries(costShapeModelKeys.map((k) => [k, config.model[k]])) as CostShape['model'];
  return { model, batchSize: config.optim.batchSize };
}

export interface MeasuredThroughput {
  run: RunSummary;
  /** The run's last logged training throughput. */
  imagesPerSecond: number;
}

export interface RunIndex {
  /** The runs named `name` in `runsDir`, newest first. */
  runsOf(runsDir: string, name: string): RunSummary[];
  /** The newest run (any runs directory) of this cost shape that has logged a throughput. */
  lastThroughput(shape: CostShape): MeasuredThroughput | undefined;
}

/** Whether a run's config.yaml (parsed, fully resolved as the trainer wrote it) has this cost shape. */
export function hasCostShape(runConfig: unknown, shape: CostShape): boolean {
  const c = runConfig as { model?: Record<string, unknown>; optim?: Record<string, unknown> } | null | undefined;
  if (!c?.model || c.optim?.batchSize !== shape.batchSize) return false;
  return costShapeModelKeys.every((k) => c.model![k] === shape.model[k]);
}
