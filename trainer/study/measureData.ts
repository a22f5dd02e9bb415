// The training examples the data-dependent measures (1/margin, SRR) run on (docs/models.md,
// Complexity measures): the first `images` examples of the run's training part in index order,
// normalized as the run normalizes them, never augmented. A pure function of the config, so the
// trainer at the end of a run and `crate-lab study` afterwards measure the same images.
import type { ResolvedConfig } from '../config/index.js';
import { normalize } from '../data/normalize.js';
import { openDataset } from '../data/openDataset.js';
import { normalizationStats, trainingPart } from '../train/dataFeed.js';

/** At most this many images for 1/margin, and the first srrImages of them for the SRR measure (its logdets cost far more per image). */
export const measureImageLimits = { images: 1024, srrImages: 64 } as const;

export interface MeasureData {
  /** float32 N×C×H×W, normalized. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** How many of the first images the SRR measure takes. */
  srrCount: number;
}

export async function measureData(config: ResolvedConfig, limits: { images: number; srrImages: number } = measureImageLimits): Promise<MeasureData> {
  const train = await openDataset(config.data, 'train');
  const test = await openDataset(config.data, 'test');
  try {
    const { trainIndices } = trainingPart(train, test, config);
    const count = Math.min(limits.images, trainIndices.length);
    if (count === 0) throw new RangeError('the run has no training examples to measure on');
    const batch = train.read(trainIndices.subarray(0, count));
    const stats = normalizationStats(train, trainIndices, config);
    if (stats) normalize(batch.images, train, stats);
    return { images: batch.images, labels: batch.labels, count, srrCount: Math.min(limits.srrImages, count) };
  } finally {
    train.close();
    if (test !== train) test.close();
  }
}
