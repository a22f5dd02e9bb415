// The estimated time per epoch of a config: the images one epoch trains on, divided by the last
// throughput measured by a run of the same cost shape (model shape and batch size).
import { knownTrainingExamples, type ResolvedConfig } from '../../trainer/config/index.js';
import { heldOutCount, heldOutFraction } from '../../trainer/data/split.js';
import { costShapeOf, type MeasuredThroughput, type RunIndex } from '../runs/runIndex.js';

/**
 * Images one epoch trains on, as trainer/train/dataFeed.ts feeds them: the training examples less
 * the validation hold-out (these sets have a test split of their own), in whole batches.
 */
export function trainingImagesPerEpoch(config: ResolvedConfig): number | undefined {
  const examples = knownTrainingExamples(config.data);
  if (examples === undefined) return undefined;
  const train = examples - heldOutCount(examples, heldOutFraction(config.data.validationFraction, true));
  const batch = config.optim.batchSize;
  return Math.floor(train / batch) * batch;
}

export interface EpochEstimate {
  seconds: number;
  images: number;
  measured: MeasuredThroughput;
}

export function epochEstimate(config: ResolvedConfig, index: RunIndex): EpochEstimate | undefined {
  const images = trainingImagesPerEpoch(config);
  if (!images) return undefined;
  const measured = index.lastThroughput(costShapeOf(config));
  return measured ? { seconds: images / measured.imagesPerSecond, images, measured } : undefined;
}

/** 0.0243 → "0.024 s", 3.24 → "3.2 s", 754 → "13 min", 9000 → "2.5 h": two significant figures at most. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toPrecision(2))} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = seconds / 60;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}
