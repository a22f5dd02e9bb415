// How many images a training step pushes through at once (train/microBatch.ts): as many as fit
// the memory budget beside the model's state (weights, AdamW's moments, two sets of gradients),
// then evened out over as few micro-batches as that allows. Checked against a brute-force search
// over the number of micro-batches, and the fused path's estimate against the composed one's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveShape } from '../trainer/model/architecture.js';
import { activationBytesPerImage, trainingBytesPerImage, trainingStateBytes } from '../trainer/model/cost.js';
import { parameterSpecs } from '../trainer/model/parameters.js';
import { memorySafeMicroBatch } from '../trainer/train/microBatch.js';

const shapes = {
  mnist: resolveShape('crate-alpha', undefined, { dim: 192, depth: 12, heads: 3, image: 28, patch: 4, channels: 1, classes: 10 }),
  cifar: resolveShape('crate-alpha', undefined, { dim: 384, depth: 12, heads: 6, image: 32, patch: 4, channels: 3, classes: 10 }),
  crate: resolveShape('crate', undefined, { dim: 192, depth: 12, heads: 3, image: 28, patch: 4, channels: 1, classes: 10 }),
};

/** The fewest micro-batches whose largest (⌈batch / k⌉ images) fits beside the state; its size. */
function bruteForce(batch: number, budget: number, state: number, perImage: number): number {
  for (let k = 1; k <= batch; k++) {
    const size = Math.ceil(batch / k);
    if (state + size * perImage <= budget) return size;
  }
  return 1;
}

test('the micro-batch fits the budget beside the model state, in as few equal micro-batches as possible', () => {
  const GiB = 2 ** 30;
  for (const [name, shape] of Object.entries(shapes)) {
    const parameters = parameterSpecs(shape).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
    assert.equal(trainingStateBytes(shape), 20 * parameters, `${name}: weights, m, v and two gradients in float32`);
    for (const fused of [false, true]) {
      for (const batch of [1, 7, 64, 256]) {
        for (const budget of [GiB / 4, GiB, 4 * GiB]) {
          const memory = { budgetBytes: budget, source: 'test' };
          const want = bruteForce(batch, budget, trainingStateBytes(shape), trainingBytesPerImage(shape, fused));
          assert.equal(memorySafeMicroBatch(shape, batch, memory, fused), want, `${name}, fused ${fused}, batch ${batch}, budget ${budget}`);
        }
      }
    }
  }
  // The shapes of issue 17 in the CPU backends' 1.25 GiB: 64 images at once (mnist) and as
  // 3 × ≤ 22 (cifar) with the fused blocks; 16 and 5 composed.
  assert.deepEqual([true, false].map((f) => memorySafeMicroBatch(shapes.mnist, 64, undefined, f)), [64, 16]);
  assert.deepEqual([true, false].map((f) => memorySafeMicroBatch(shapes.cifar, 64, undefined, f)), [22, 5]);
});

test('the fused blocks plan 0.8 bytes per forward activation byte for CRATE-α only, the composed ops 4', () => {
  for (const shape of [shapes.mnist, shapes.cifar]) {
    assert.equal(trainingBytesPerImage(shape, true), 0.8 * activationBytesPerImage(shape));
    assert.equal(trainingBytesPerImage(shape), 4 * activationBytesPerImage(shape));
  }
  // crate's ISTA block has no fused kernel: its estimate stays the composed one.
  assert.equal(trainingBytesPerImage(shapes.crate, true), 4 * activationBytesPerImage(shapes.crate));
});
