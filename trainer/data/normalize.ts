// Per-channel standardization, (x − mean) / std, with the statistics of each built-in data set.
import type { Dataset, ImageDims } from './dataset.js';

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/**
 * Mean and standard deviation of the [0, 1] pixels over each training set, per channel.
 * Fashion-MNIST is checked against the real data in test/data.test.ts; CIFAR-10's are the
 * standard published values (the std over pixels, not the often copied 0.2023… per-image one).
 */
export const CHANNEL_STATS: Readonly<Record<string, ChannelStats>> = {
  'fashion-mnist': { mean: [0.286], std: [0.353] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
};

/** In place on an N×C×H×W batch. */
export function normalize(images: Float32Array, dims: ImageDims, stats: ChannelStats): void {
  if (stats.mean.length !== dims.channels || stats.std.length !== dims.channels) {
    throw new RangeError(`normalization has ${stats.mean.length} means and ${stats.std.length} stds for ${dims.channels} channels`);
  }
  const plane = dims.height * dims.width;
  for (let start = 0; start < images.length; start += plane) {
    const c = (start / plane) % dims.channels;
    const mean = stats.mean[c], scale = 1 / stats.std[c];
    for (let j = start; j < start + plane; j++) images[j] = (images[j] - mean) * scale;
  }
}

/** Measures the statistics of a data set (e.g. an image folder) over the given examples. */
export function measureChannelStats(dataset: Dataset, indices: ArrayLike<number>, batchSize = 1024): ChannelStats {
  const plane = dataset.height * dataset.width;
  const sum = new Float64Array(dataset.channels), sumSq = new Float64Array(dataset.channels);
  for (let first = 0; first < indices.length; first += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, indices.length - first) }, (_, k) => indices[first + k]);
    const { images } = dataset.read(batch);
    for (let start = 0; start < images.length; start += plane) {
      const c = (start / plane) % dataset.channels;
      for (let j = start; j < start + plane; j++) {
        sum[c] += images[j];
        sumSq[c] += images[j] * images[j];
      }
    }
  }
  const count = indices.length * plane;
  const mean = Array.from(sum, (s) => s / count);
  return { mean, std: Array.from(sumSq, (s, c) => Math.sqrt(s / count - mean[c] ** 2)) };
}
