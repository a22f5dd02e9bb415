// Batches for the loop: which examples (a pure function of seed, epoch and position, so resume
// needs no stored order), read, augmented with a generator derived from (seed, step), normalized.
import type { ResolvedConfig } from '../config/index.js';
import { randomCrop, randomFlip } from '../data/augment.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { CHANNEL_STATS, type ChannelStats, measureChannelStats, normalize } from '../data/normalize.js';
import { epochOrder, heldOutFraction, trainSubset, validationSplit } from '../data/split.js';
import { derivedRng } from '../random/derivedRng.js';
import { randomStreams } from '../random/streams.js';


/**
 * Examples evaluated as they are: normalized, never augmented. `split` is what the run's `eval`
 * events call them (run/format.ts): a fixed subset of the training examples, the validation part
 * held out of the training data, or the test split.
 */
export interface EvaluationSet {
  split: 'train' | 'validation' | 'test';
  size: number;
  /** Examples [start, start + n). */
  batch(start: number, n: number): Batch;
}

export interface DataFeed {
  trainSize: number;
  /** The data set's class names, indexed by label. */
  classNames: string[];
  stepsPerEpoch: number;
  /** The training batch of optimiser step `step`, augmented and normalized. */
  trainBatch(step: number): Batch;
  /** Evaluated at every evaluation: the validation part when one is held out of the training data, else the test split. */
  heldOut: EvaluationSet & { split: 'validation' | 'test' };
  /** Evaluated beside `heldOut` for the generalization gap: as many training examples, fixed by the seed (split.ts). */
  trainSubset: EvaluationSet;
  /** The test split (`heldOut` itself when that is it); undefined when the data set has none of its own. */
  test: EvaluationSet | undefined;
  close(): void;
}

/**
 * Which examples a run trains on and which it holds out: with a held-out fraction, validation
 * comes from the training data; otherwise it is the test split.
 */
export function trainingPart(train: Dataset, test: Dataset, config: ResolvedConfig): { trainIndices: Int32Array; heldOutSplit: 'validation' | 'test'; heldOutIndices: Int32Array } {
  const fraction = heldOutFraction(config.data.validationFraction, test.separateTestSplit);
  const split = fraction > 0 ? validationSplit(train.size, fraction, config.seed) : undefined;
  return {
    trainIndices: split ? split.train : Int32Array.from({ length: train.size }, (_, i) => i),
    heldOutSplit: split ? 'validation' : 'test',
    heldOutIndices: split ? split.validation : Int32Array.from({ length: test.size }, (_, i) => i),
  };
}

/** The per-channel statistics every image of the run is normalized with (none when data.normalize is off). */
export function normalizationStats(train: Dataset, trainIndices: Int32Array, config: ResolvedConfig): ChannelStats | undefined {
  return config.data.normalize ? (CHANNEL_STATS[config.data.kind] ?? measureChannelStats(train, trainIndices.subarray(0, 4096))) : undefined;
}

export function openFeed(train: Dataset, test: Dataset, config: ResolvedConfig): DataFeed {
  const { seed } = config;
  const batchSize = config.optim.batchSize;
  const { trainIndices, heldOutSplit, heldOutIndices } = trainingPart(train, test, config);
  if (trainIndices.length < batchSize) throw new RangeError(`optim.batchSize ${batchSize} is larger than the ${trainIndices.length} training examples`);
  const stepsPerEpoch = Math.floor(trainIndices.length / batchSize);
  const stats = normalizationStats(train, trainIndices, config);
  const { cropPadding, flip } = config.data.augment;
  let cachedEpoch = -1;
  let order: Int32Array = new Int32Array(0);

  const evaluationSet = <S extends EvaluationSet['split']>(split: S, data: Dataset, indices: Int32Array): EvaluationSet & { split: S } => ({
    split,
    size: indices.length,
    batch(start, n) {
      const batch = data.read(Array.from(indices.subarray(start, start + n)));
      if (stats) normalize(batch.images, data, stats);
      return batch;
    },
  });
  const heldOut = heldOutSplit === 'validation' ? evaluationSet('validation', train, heldOutIndices) : evaluationSet('test', test, heldOutIndices);
  const testSet = !test.separateTestSplit ? undefined : heldOutSplit === 'validation' ? evaluationSet('test', test, Int32Array.from({ length: test.size }, (_, i) => i)) : heldOut;

  return {
    trainSize: trainIndices.length,
    classNames: train.classNames,
    stepsPerEpoch,
    heldOut,
    trainSubset: evaluationSet('train', train, trainSubset(trainIndices, heldOut.size, seed)),
    test: testSet,
    trainBatch(step) {
      const epoch = Math.floor(step / stepsPerEpoch);
      if (epoch !== cachedEpoch) {
        order = epochOrder(trainIndices.length, epoch, seed);
        cachedEpoch = epoch;
      }
      const first = (step % stepsPerEpoch) * batchSize;
      const batch = train.read(Array.from({ length: batchSize }, (_, k) => trainIndices[order[first + k]]));
      const rng = derivedRng(seed, randomStreams.augment, step);
      if (cropPadding > 0) randomCrop(batch.images, train, cropPadding, rng);
      if (flip) randomFlip(batch.images, train, rng);
      if (stats) normalize(batch.images, train, stats);
      return batch;
    },
    close() {
      train.close();
      if (test !== train) test.close();
    },
  };
}
