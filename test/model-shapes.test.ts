// Every architecture on shapes the reference cases do not cover (3 channels, other patch sizes,
// classes, depths, switches), checked against the independent float64 model in support/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../trainer/tf.js';
import { archIds, type ArchId, resolveShape, type ShapeOverrides } from '../trainer/model/architecture.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { toParams } from '../trainer/model/params.js';
import { Rng } from '../trainer/random/rng.js';
import { naiveLogits } from './support/naiveModel.js';
import { maxScaledDiff } from './support/reference.js';

const shapes: Array<[ArchId, ShapeOverrides]> = [
  ...archIds.map((arch): [ArchId, ShapeOverrides] => [arch, { image: 12, patch: 4, channels: 3, dim: 24, depth: 2, heads: 3, classes: 7 }]),
  ['crate-alpha', { image: 8, patch: 2, channels: 1, dim: 16, depth: 3, heads: 4, classes: 2, overcomplete: 1 }],
  ['crate-alpha', { image: 8, patch: 4, channels: 3, dim: 12, depth: 1, heads: 2, classes: 5, decoupled: false, residual: false }],
  ['crate', { image: 10, patch: 5, channels: 1, dim: 20, depth: 3, heads: 5, classes: 3 }],
  // The SRR study's attention-only layers (MSSA with its skip connection, no sparse-coding block).
  ['crate', { image: 12, patch: 4, channels: 1, dim: 12, depth: 3, heads: 3, classes: 4, attentionOnly: true }],
  ['crate-n', { image: 12, patch: 4, channels: 3, dim: 12, depth: 3, heads: 2, classes: 4, attentionOnly: true }],
  ['crate-alpha', { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3, attentionOnly: true }],
  ['vit', { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3, attentionOnly: true }],
];

for (const [arch, o] of shapes) {
  test(`${arch} ${JSON.stringify(o)} matches the independent float64 model`, async () => {
    await tf.setBackend('cpu');
    const shape = resolveShape(arch, undefined, o);
    const rng = new Rng(7);
    const host = initializeParameters(shape, rng);
    // Larger than the default init so the blocks do more than pass their input through.
    for (const t of host.values()) if (t.data.some((v) => v !== 0 && v !== 1)) t.data.forEach((v, i) => (t.data[i] = v * 3));
    const images = rng.fill(new Float32Array(2 * shape.channels * shape.image * shape.image), () => rng.normal());
    const p = toParams(host);
    const x = tf.tensor(images, [2, shape.channels, shape.image, shape.image]);
    const { logits } = forward(x, p, shape);
    const got = await logits.data();
    const want = naiveLogits(host, shape, images).flat();
    assert.ok(maxScaledDiff(got, want) < 1e-4, `max diff ${maxScaledDiff(got, want)}`);
    assert.ok(Math.max(...want.map(Math.abs)) > 1e-3, 'logits are not trivially zero');
    tf.dispose([x, logits, ...Object.values(p)]);
  });
}
