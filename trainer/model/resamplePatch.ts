// Changing the patch size of trained weights (CRATE-α (Yang et al. 2024) §4.3: pre-train at /32, fine-tune at /8):
// the patch-embedding kernel is resampled bilinearly and scaled by (P/P')² so a flat patch embeds
// as before, and the positional embedding is interpolated on the token grid (CLS kept).
import { resizeBilinear } from '../data/resize.js';
import type { NamedTensor } from '../io/safetensors.js';
import { type ModelShape, tokenCount } from './architecture.js';

/** HWC rows [rows, h·w·c] → CHW planes [rows·c, h, w], and back. */
function hwcToChw(src: Float32Array, rows: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[((r * c + k) * h + y) * w + x] = src[((r * h + y) * w + x) * c + k];
  }
  return out;
}

function chwToHwc(src: Float32Array, rows: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[((r * h + y) * w + x) * c + k] = src[((r * c + k) * h + y) * w + x];
  }
  return out;
}

/** Planes [n, p, p] → [n, q, q], scaled. */
function resizePlanes(src: Float32Array, n: number, p: number, q: number, scale: number): Float32Array {
  const out = resizeBilinear(src, n, p, p, q, q);
  if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/**
 * Weights of `from` (same arch, width, depth, channels) adapted to `to`'s patch and image size;
 * returns the new tensors and the names of those that changed (their optimizer moments restart).
 */
export function resamplePatchSize(weights: Map<string, NamedTensor>, from: ModelShape, to: ModelShape): { weights: Map<string, NamedTensor>; changed: string[] } {
  const out = new Map(weights);
  const changed: string[] = [];
  const { dim: d, channels: c } = to;
  const [p, q] = [from.patch, to.patch];
  const scale = (p / q) ** 2;
  const set = (name: string, shape: number[], data: Float32Array): void => {
    out.set(name, { shape, data });
    changed.push(name);
  };
  if (p !== q) {
    if (to.arch === 'crate-alpha') {
      set('conv1.weight', [d, c, q, q], resizePlanes(weights.get('conv1.weight')!.data, d * c, p, q, scale));
    } else {
      // (p1 p2 c)-ordered vectors: the patch LayerNorm's affine and the Linear's rows.
      for (const name of ['to_patch_embedding.1.weight', 'to_patch_embedding.1.bias']) {
        set(name, [q * q * c], chwToHwc(resizePlanes(hwcToChw(weights.get(name)!.data, 1, p, p, c), c, p, q, 1), 1, q, q, c));
      }
      const linear = weights.get('to_patch_embedding.2.weight')!.data;
      set('to_patch_embedding.2.weight', [d, q * q * c], chwToHwc(resizePlanes(hwcToChw(linear, d, p, p, c), d * c, p, q, scale), d, q, q, c));
    }
  }
  const [g, h] = [from.image / p, to.image / q];
  if (g !== h) {
    const pos = weights.get('pos_embedding')!.data;
    const grid = hwcToChw(pos.subarray(d), 1, g, g, d); // tokens after CLS as a g×g×d image
    const resized = chwToHwc(resizePlanes(grid, d, g, h, 1), 1, h, h, d);
    const data = new Float32Array(tokenCount(to) * d);
    data.set(pos.subarray(0, d));
    data.set(resized, d);
    set('pos_embedding', [1, tokenCount(to), d], data);
  }
  return { weights: out, changed };
}
