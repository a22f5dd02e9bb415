// Generators that depend only on a seed and a few integer keys (example i of a synthetic set, the
// order of epoch e): anything derived this way needs no stored state to be reproduced on resume.
import { Rng } from './rng.js';

/** murmur3's 32-bit finalizer: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Integer seed and keys (up to 2⁵³) in, an independent-looking Rng out. */
export function derivedRng(seed: number, ...keys: number[]): Rng {
  // Four lanes, each absorbing every word differently: a 128-bit state, not one 32-bit hash.
  const lanes = [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344];
  for (const value of [seed, ...keys]) {
    if (!Number.isSafeInteger(value)) throw new RangeError(`seeds and keys must be integers, got ${value}`);
    const words = [value >>> 0, Math.floor(value / 2 ** 32) >>> 0];
    for (const w of words) {
      for (let j = 0; j < 4; j++) lanes[j] = fmix32(lanes[j] ^ fmix32((w + Math.imul(j + 1, 0x9e3779b9)) >>> 0));
    }
  }
  if ((lanes[0] | lanes[1] | lanes[2] | lanes[3]) === 0) lanes[0] = 1; // xoshiro's one forbidden state
  return new Rng([lanes[0], lanes[1], lanes[2], lanes[3]]);
}
