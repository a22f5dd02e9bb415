// What the config needs to know of each dataset kind without opening it: the image geometry the
// model's image/channels/classes default to, and how to install a missing one. Loading is
// trainer/data/'s job; the class lists are imported from there so the counts cannot drift.
import { CIFAR10_CLASSES, CIFAR10_TRAIN_EXAMPLES } from '../data/cifar10.js';
import type { DatasetSpec } from '../data/openDataset.js';
import { FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, FASHION_MNIST_TRAIN_EXAMPLES } from '../data/fashionMnist.js';
import type { ResolvedData } from './resolved.js';
import type { DataKind, DataValues } from './schema.js';

// The data section, as validated, is what trainer/data/ opens: this fails to compile if the
// config's fields and the loaders' spec types drift apart.
const dataSectionFitsLoaders = (d: DataValues): DatasetSpec => d;
void dataSectionFitsLoaders;

export interface Geometry {
  image: number;
  channels: number;
  /** Undefined when it can only be counted on disk (an image folder). */
  classes?: number;
}

export function datasetGeometry(data: ResolvedData): Geometry {
  switch (data.kind) {
    case 'fashion-mnist':
      return { image: 28, channels: 1, classes: FASHION_MNIST_CLASSES.length };
    case 'cifar10':
      return { image: 32, channels: 3, classes: CIFAR10_CLASSES.length };
    case 'image-folder':
      return { image: data.size, channels: data.channels };
    case 'synthetic-subspaces':
      return { image: data.image, channels: data.channels, classes: data.classes };
  }
}

/**
 * Training examples of the data set, when they are known without opening it: the synthetic set's
 * `trainSize`, the standard training splits of Fashion-MNIST and CIFAR-10. An image folder's are
 * counted on disk.
 */
export function knownTrainingExamples(data: ResolvedData): number | undefined {
  switch (data.kind) {
    case 'synthetic-subspaces':
      return data.trainSize;
    case 'fashion-mnist':
      return FASHION_MNIST_TRAIN_EXAMPLES;
    case 'cifar10':
      return CIFAR10_TRAIN_EXAMPLES;
    case 'image-folder':
      return undefined;
  }
}

export const datasetLabels: Record<DataKind, string> = {
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
  'image-folder': 'the image folder',
  'synthetic-subspaces': 'the synthetic set',
};

/** How to get a dataset that is not on disk, when there is a package for it. */
export function installHint(kind: DataKind, dir: string): string | undefined {
  if (kind === 'fashion-mnist' && dir === FASHION_MNIST_DIR) return 'install it with `sudo apt-get install dataset-fashion-mnist`';
  if (kind === 'fashion-mnist') return 'install it with `sudo apt-get install dataset-fashion-mnist` and remove `dir`, or put its IDX files there';
  return undefined;
}
