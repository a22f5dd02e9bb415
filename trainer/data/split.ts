// Which examples a run trains on, and in which order. Both are pure functions of (seed, …), so a
// run resumed at (epoch, position) recomputes its order instead of storing it.
import type { Rng } from '../random/rng.js';
import { derivedRng } from '../random/derivedRng.js';
import { randomStreams } from '../random/streams.js';

// Keys separating these streams from others derived from the same seed.

/**
 * A uniformly random permutation of 0..size−1 for this epoch (Fisher–Yates). To shuffle a subset
 * (the `train` part of validationSplit), permute its positions: subset[order[k]].
 */
export function epochOrder(size: number, epoch: number, seed: number): Int32Array {
  return shuffled(size, derivedRng(seed, randomStreams.epochOrder, epoch));
}

/**
 * The fraction of the training examples held out for validation: the config's, or 0.1 when it
 * says 0 but the data set has no test split of its own to validate on.
 */
export function heldOutFraction(configured: number, separateTestSplit: boolean): number {
  return configured > 0 || separateTestSplit ? configured : 0.1;
}

/** How many of `size` examples `validationSplit` holds out. */
export function heldOutCount(size: number, fraction: number): number {
  return Math.round(fraction * size);
}

/**
 * Holds out round(fraction × size) random examples for validation (for data sets without a
 * separate test split, or to tune on). Both parts are in ascending order.
 */
export function validationSplit(size: number, fraction: number, seed: number): { train: Int32Array; validation: Int32Array } {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`validation fraction must be in [0, 1), got ${fraction}`);
  const order = shuffled(size, derivedRng(seed, randomStreams.validationSplit));
  const held = heldOutCount(size, fraction);
  return { train: order.slice(held).sort(), validation: order.slice(0, held).sort() };
}

/**
 * The fixed training subset evaluated beside the held-out set (the generalization gap's other
 * half): `count` of the training examples `trainIndices`, drawn once from the seed, so every
 * evaluation of a run, resumed or not, sees the same ones. Ascending, as the other parts.
 */
export function trainSubset(trainIndices: Int32Array, count: number, seed: number): Int32Array {
  const order = shuffled(trainIndices.length, derivedRng(seed, randomStreams.trainSubset));
  return order.slice(0, Math.min(count, trainIndices.length)).map((k) => trainIndices[k]).sort();
}

function shuffled(size: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
