// The estimated time of a whole sweep: each member's training steps × batch size ÷ the last
// throughput measured by a run of the member's cost shape (epochTime.ts's rule, per member), summed.
// Not divided by --parallel: on one machine the members that train at once share its cores
// (crate-lab sweep divides the threads among them), so the machine's images/s, and the total time,
// stay about the same; on a cluster it is the compute time, not the wall time.
import type { ResolvedConfig } from '../../trainer/config/index.js';
import { costShapeOf, type MeasuredThroughput, type RunIndex } from '../runs/runIndex.js';
import { trainingImagesPerEpoch } from './epochTime.js';

/** The optimizer steps a config trains for, as the trainer counts them (epochs in whole batches, capped by maxSteps); undefined when the epoch size is not known without the data. */
export function trainingSteps(config: ResolvedConfig): number | undefined {
  const { epochs, maxSteps, batchSize } = config.optim;
  if (epochs <= 0) return maxSteps > 0 ? maxSteps : undefined;
  const images = trainingImagesPerEpoch(config);
  if (images === undefined) return undefined;
  const byEpochs = epochs * (images / batchSize);
  return maxSteps > 0 ? Math.min(byEpochs, maxSteps) : byEpochs;
}

export interface SweepEstimate {
  /** Sum over the members whose time is known. */
  seconds: number;
  /** Members whose time is known (a measured run of their shape, a known number of steps). */
  estimated: number;
  /** The runs whose throughput was used, once each. */
  measured: MeasuredThroughput[];
}

export function sweepEstimate(members: readonly { config: ResolvedConfig }[], index: RunIndex): SweepEstimate {
  let seconds = 0;
  let estimated = 0;
  const measured = new Map<string, MeasuredThroughput>();
  for (const { config } of members) {
    const steps = trainingSteps(config);
    if (steps === undefined) continue;
    const m = index.lastThroughput(costShapeOf(config));
    if (!m) continue;
    seconds += (steps * config.optim.batchSize) / m.imagesPerSecond;
    estimated++;
    measured.set(m.run.dir, m);
  }
  return { seconds, estimated, measured: [...measured.values()] };
}
