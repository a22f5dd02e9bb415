// Patch-size change on resume: what the resampling must preserve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveShape } from '../trainer/model/architecture.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { resamplePatchSize } from '../trainer/model/resamplePatch.js';
import { Rng } from '../trainer/random/rng.js';

test('a kernel constant over each patch embeds a flat patch exactly as before (4 → 2 and 2 → 8)', () => {
  for (const [p, q] of [[4, 2], [2, 8]]) {
    for (const arch of ['crate-alpha', 'crate'] as const) {
      const from = resolveShape(arch, undefined, { image: 16, patch: p, channels: 3, dim: 8, depth: 1, heads: 2, classes: 3 });
      const to = { ...from, patch: q };
      const w = initializeParameters(from, new Rng(1));
      const name = arch === 'crate-alpha' ? 'conv1.weight' : 'to_patch_embedding.2.weight';
      const kernel = w.get(name)!.data;
      // Per output row and channel one value: k(o, c) = o − c / 2.
      const c3 = (i: number, perRow: number): [number, number] => [Math.floor(i / perRow), arch === 'crate-alpha' ? Math.floor((i % perRow) / (p * p)) : (i % perRow) % 3];
      kernel.forEach((_, i) => {
        const [o, c] = c3(i, 3 * p * p);
        kernel[i] = o - c / 2;
      });
      const out = resamplePatchSize(w, from, to).weights.get(name)!;
      for (let o = 0; o < 8; o++) {
        const sum = (data: Float32Array, size: number): number => data.subarray(o * 3 * size * size, (o + 1) * 3 * size * size).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum(out.data, q) - sum(kernel, p)) < 1e-4, `${arch} ${p}→${q} row ${o}`);
      }
    }
  }
});

test('positions: the CLS row is kept, a grid of the same size is unchanged, a constant field stays constant', () => {
  const from = resolveShape('crate-alpha', undefined, { image: 16, patch: 4, channels: 1, dim: 4, depth: 1, heads: 2, classes: 3 });
  const w = initializeParameters(from, new Rng(2));
  const pos = w.get('pos_embedding')!.data;
  const same = resamplePatchSize(w, from, { ...from }).weights.get('pos_embedding')!.data;
  assert.deepEqual(same, pos);
  pos.fill(0.25, 4);
  const finer = resamplePatchSize(w, from, { ...from, patch: 2 });
  const out = finer.weights.get('pos_embedding')!;
  assert.deepEqual(out.shape, [1, 65, 4]);
  assert.deepEqual(Array.from(out.data.subarray(0, 4)), Array.from(pos.subarray(0, 4)));
  assert.ok(out.data.subarray(4).every((v) => Math.abs(v - 0.25) < 1e-7));
  assert.deepEqual(finer.changed.sort(), ['conv1.weight', 'pos_embedding']);
});
