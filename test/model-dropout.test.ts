// model.dropout: where each architecture drops (against the naive float64 model, which places it
// from the official code on its own), that rate 0 changes nothing, and that the seeded masks
// depend only on (seed, step, example): the same on resume and whatever the micro-batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../trainer/tf.js';
import { type ArchId, resolveShape } from '../trainer/model/architecture.js';
import { SeededDropout } from '../trainer/model/dropout.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { toParams } from '../trainer/model/params.js';
import { Rng } from '../trainer/random/rng.js';
import { FixedDropout } from './support/fixedDropout.js';
import { naiveLogits } from './support/naiveModel.js';

const small = { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3 };

/** Sites per layer (and the embedding's) each architecture's official code has, as counted there. */
const sitesPerForward: Record<string, number> = { 'crate-alpha': 1 + 2 * 2, crate: 2 * 2, 'crate-n': 2 * 2, 'crate-identity': 2 * 2, vit: 4 * 2 };

for (const arch of ['crate-alpha', 'crate', 'crate-n', 'crate-identity', 'vit'] as ArchId[]) {
  test(`${arch}: the training forward pass drops where the official code does (naive model with the same masks)`, () => {
    tf.setBackend('cpu');
    const shape = resolveShape(arch, undefined, small);
    const rng = new Rng(21);
    const host = initializeParameters(shape, rng);
    const images = rng.fill(new Float32Array(3 * 64), () => rng.normal());
    const p = toParams(host);
    const x = tf.tensor(images, [3, 1, 8, 8]);
    const dropout = new FixedDropout(0.3, rng);
    const got = forward(x, p, shape, { dropout }).logits.arraySync() as number[][];
    assert.equal(dropout.masks.length, sitesPerForward[arch], 'dropout sites in one forward pass');
    const want = naiveLogits(host, shape, images, undefined, dropout.masks);
    const plain = naiveLogits(host, shape, images);
    let differs = 0;
    want.forEach((row, b) =>
      row.forEach((v, c) => {
        assert.ok(Math.abs(got[b][c] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${arch} image ${b} class ${c}: ${got[b][c]} vs naive ${v}`);
        differs = Math.max(differs, Math.abs(v - plain[b][c]));
      }),
    );
    assert.ok(differs > 1e-3, 'the masks change the logits (dropout is not a no-op here)');
    // Evaluation: no dropout given, the plain forward pass.
    const evaluated = forward(x, p, shape).logits.arraySync() as number[][];
    plain.forEach((row, b) => row.forEach((v, c) => assert.ok(Math.abs(evaluated[b][c] - v) <= 1e-4 * Math.max(1, Math.abs(v)))));
    tf.dispose([x, ...Object.values(p)]);
  });
}

test('dropout 0 changes nothing: the forward pass with seeded rate-0 dropout is bit-identical to the one without', () => {
  tf.setBackend('cpu');
  for (const arch of ['crate-alpha', 'crate', 'vit'] as ArchId[]) {
    const shape = resolveShape(arch, undefined, small);
    const rng = new Rng(4);
    const p = toParams(initializeParameters(shape, rng));
    const x = tf.tensor(rng.fill(new Float32Array(2 * 64), () => rng.normal()), [2, 1, 8, 8]);
    const without = forward(x, p, shape).logits.dataSync();
    const withZero = forward(x, p, shape, { dropout: new SeededDropout(0, 9, 3, 0, 2) }).logits.dataSync();
    assert.deepEqual(withZero, without, arch);
    tf.dispose([x, ...Object.values(p)]);
  }
});

/** The mask SeededDropout multiplies a tensor of ones by. */
function maskOf(d: SeededDropout, shape: number[]): Float32Array {
  const ones = tf.ones(shape);
  const out = d.apply(ones);
  const data = out.dataSync() as Float32Array;
  tf.dispose([ones, out]);
  return data;
}

test('seeded dropout: rate and scale as torch.nn.Dropout, masks a function of (seed, step, example) only', () => {
  tf.setBackend('cpu');
  const rate = 0.25;
  const whole = maskOf(new SeededDropout(rate, 7, 12, 0, 4), [4, 5, 50]);
  // Inverted dropout: zeros at about the rate, the rest scaled by 1/(1 − p).
  const zeros = whole.filter((v) => v === 0).length / whole.length;
  assert.ok(Math.abs(zeros - rate) < 0.03, `fraction dropped ${zeros}`);
  assert.ok(whole.every((v) => v === 0 || v === Math.fround(1 / (1 - rate))));
  // The same examples in micro-batches of 1 and 3 (examples 0 and 1–3): the same masks.
  const parts = [...maskOf(new SeededDropout(rate, 7, 12, 0, 1), [1, 5, 50]), ...maskOf(new SeededDropout(rate, 7, 12, 1, 3), [3, 5, 50])];
  assert.deepEqual(Float32Array.from(parts), whole);
  // Again from a new object (a resumed process): the same; another step or seed: others.
  assert.deepEqual(maskOf(new SeededDropout(rate, 7, 12, 0, 4), [4, 5, 50]), whole);
  assert.notDeepEqual(maskOf(new SeededDropout(rate, 7, 13, 0, 4), [4, 5, 50]), whole);
  assert.notDeepEqual(maskOf(new SeededDropout(rate, 8, 12, 0, 4), [4, 5, 50]), whole);
  // Each example its own draws: example 1's mask is not example 0's.
  assert.notDeepEqual(whole.subarray(250, 500), whole.subarray(0, 250));
  assert.throws(() => new SeededDropout(1, 0, 0, 0, 1), /dropout rate must be in \[0, 1\), got 1/);
});

test('the sites follow one another in a fixed order: a second forward pass with the same seeded step draws the same masks', () => {
  tf.setBackend('cpu');
  const shape = resolveShape('vit', undefined, small);
  const rng = new Rng(2);
  const p = toParams(initializeParameters(shape, rng));
  const x = tf.tensor(rng.fill(new Float32Array(2 * 64), () => rng.normal()), [2, 1, 8, 8]);
  const run = (step: number): Float32Array => forward(x, p, shape, { dropout: new SeededDropout(0.5, 1, step, 0, 2) }).logits.dataSync() as Float32Array;
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5), run(6));
  tf.dispose([x, ...(Object.values(p) as Tensor[])]);
});
