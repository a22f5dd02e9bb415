// The first key of every random stream derived from a seed (derivedRng), in one table: two uses
// of one key would draw the same numbers (test/data.test.ts checks they are distinct). The values
// are part of the run format: changing one changes what a seed trains on, and breaks resume.
export const randomStreams = {
  /** Which examples the validation part of a training set holds (data/split.ts). */
  validationSplit: 0x5b1,
  /** The order of the examples in epoch e (data/split.ts), keyed further by e. */
  epochOrder: 0xe90c,
  /** The augmentation of step s (train/dataFeed.ts), keyed further by s. */
  augment: 0xa06,
  /** Which layer the SRR regularizer takes at step s, with `layers: random` (train/runTraining.ts). */
  srrLayer: 0x5a7,
  /** Which training examples the fixed training subset of every evaluation holds (data/split.ts). */
  trainSubset: 0x75b5,
  /** The dropout masks of step s, keyed further by s and the example's place in the batch (model/dropout.ts). */
  dropout: 0xd40,
  /** The synthetic set's examples and subspaces (data/synthetic.ts), from its own data seed. */
  syntheticTrain: 0,
  syntheticTest: 1,
  syntheticBases: 2,
} as const;
