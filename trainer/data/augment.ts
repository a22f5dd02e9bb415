// Training-time augmentation of the recipe (docs/training.md): random crop with zero padding and horizontal
// flip, in place on an N×C×H×W batch. Every draw comes from the Rng passed in, in a fixed order
// (per image: crop row shift, crop column shift; then per image: flip), so a resumed run that
// restores the Rng augments identically. Not for the synthetic set: shifting its images moves
// patch boundaries off the subspaces.
import type { Rng } from '../random/rng.js';
import type { ImageDims } from './dataset.js';

/** Pads each image by `pad` zeros on every side and crops H×W back out at a random offset. */
export function randomCrop(images: Float32Array, dims: ImageDims, pad: number, rng: Rng): void {
  const { channels, height, width } = dims;
  const size = channels * height * width;
  const original = new Float32Array(size);
  for (let n = 0; n < images.length / size; n++) {
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const image = images.subarray(n * size, (n + 1) * size);
    original.set(image);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < height; y++) {
        const sy = y + dy;
        for (let x = 0; x < width; x++) {
          const sx = x + dx;
          const inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
          image[(c * height + y) * width + x] = inside ? original[(c * height + sy) * width + sx] : 0;
        }
      }
    }
  }
}

/** Mirrors each image left–right with probability ½. */
export function randomFlip(images: Float32Array, dims: ImageDims, rng: Rng): void {
  const count = images.length / (dims.channels * dims.height * dims.width);
  for (let n = 0; n < count; n++) if (rng.next() < 0.5) flipHorizontal(images, dims, n);
}

/** Mirrors image n of the batch left–right. */
export function flipHorizontal(images: Float32Array, dims: ImageDims, n: number): void {
  const { channels, height, width } = dims;
  for (let row = n * channels * height; row < (n + 1) * channels * height; row++) {
    images.subarray(row * width, (row + 1) * width).reverse();
  }
}
