// What the training loop sees of a data set. Each kind lives in its own module, which imports
// these types; openDataset.ts names the kinds.

export type Split = 'train' | 'test';

/** Channels-first image geometry, shared by datasets, augmentation and normalization. */
export interface ImageDims {
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

export interface Batch {
  /** float32 N×C×H×W. */
  images: Float32Array;
  /** Class index per image, in 0..classes-1. */
  labels: Int32Array;
}

export interface Dataset extends ImageDims {
  readonly name: string;
  /** Number of examples. */
  readonly size: number;
  readonly classes: number;
  readonly classNames: string[];
  /**
   * False when the 'test' split is the same examples as 'train' (an image folder without
   * train/ and test/): the training loop must hold out its own validation part (split.ts).
   */
  readonly separateTestSplit: boolean;
  /**
   * The examples at these indices, in this order. Pixels are in [0, 1] for image data; the
   * synthetic set is zero-mean instead, because its patches lie on linear subspaces.
   * Reads from disk on every call: memory does not grow with the data set.
   */
  read(indices: ArrayLike<number>): Batch;
  /** Releases open files; the dataset cannot be read afterwards. */
  close(): void;
}
