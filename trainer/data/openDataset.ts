// The one place that turns a config's data spec into a data set (dataset.ts says what one is).
import { openCifar10 } from './cifar10.js';
import type { Dataset, Split } from './dataset.js';
import { openFashionMnist } from './fashionMnist.js';
import { openImageFolder, type ImageFolderSpec } from './imageFolder.js';
import { openSyntheticSubspaces, type SyntheticSubspacesSpec } from './synthetic.js';

/** The `data` part of a run config. */
export type DatasetSpec =
  | { kind: 'fashion-mnist'; /** Default: where `dataset-fashion-mnist` installs it. */ dir?: string }
  | { kind: 'cifar10'; /** Holds data_batch_{1..5}.bin, test_batch.bin, batches.meta.txt. */ dir: string }
  | ImageFolderSpec
  | SyntheticSubspacesSpec;

export async function openDataset(spec: DatasetSpec, split: Split): Promise<Dataset> {
  switch (spec.kind) {
    case 'fashion-mnist':
      return openFashionMnist(spec.dir, split);
    case 'cifar10':
      return openCifar10(spec.dir, split);
    case 'image-folder':
      return openImageFolder(spec, split);
    case 'synthetic-subspaces':
      return openSyntheticSubspaces(spec, split);
  }
}
