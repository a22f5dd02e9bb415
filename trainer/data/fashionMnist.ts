// Fashion-MNIST (Xiao et al. 2017): 60 000 + 10 000 grayscale 28×28 images, 10 classes, IDX files,
// as Debian's `dataset-fashion-mnist` installs them (.gz) or unpacked (raw IDX, read directly).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/fileFormatError.js';
import type { Dataset, Split } from './dataset.js';
import { gunzipToCache } from './gunzipCache.js';
import { openIdxPair } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The standard training split (train-images-idx3-ubyte). */
export const FASHION_MNIST_TRAIN_EXAMPLES = 60_000;
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export async function openFashionMnist(dir: string = FASHION_MNIST_DIR, split: Split): Promise<Dataset> {
  const prefix = split === 'train' ? 'train' : 't10k';
  return openIdxPair({
    name: 'fashion-mnist',
    images: await locate(dir, `${prefix}-images-idx3-ubyte`),
    labels: await locate(dir, `${prefix}-labels-idx1-ubyte`),
    classNames: FASHION_MNIST_CLASSES,
  });
}

/** The raw IDX file if present, else the decompressed cache copy of its .gz. */
async function locate(dir: string, base: string): Promise<{ file: string; shownAs: string }> {
  const raw = join(dir, base);
  if (existsSync(raw)) return { file: raw, shownAs: raw };
  const gz = `${raw}.gz`;
  if (existsSync(gz)) return { file: await gunzipToCache(gz), shownAs: gz };
  throw new FileFormatError(gz, `not found; install Fashion-MNIST with \`sudo apt-get install dataset-fashion-mnist\`${dir === FASHION_MNIST_DIR ? '' : ` (or put its IDX files in ${dir})`}`);
}
