// The addon's elementwise kernels on the wasm heap (trainer/backend/nativeElementwise.ts,
// trainer/native/elementwise.c) against tfjs's cpu backend, bit for bit: each element is one
// float32 operation in both (the cpu backend rounds a double result of two floats, which for
// + − × ÷ is the float32 result). Sizes below and above the addon's threading threshold.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { tf, type Tensor } from '../trainer/tf.js';
import { initWasmBackend } from '../trainer/backend/wasm.js';
import { loadNativeGemm } from '../trainer/backend/nativeGemm.js';
import { broadcastPlan } from '../trainer/backend/nativeElementwise.js';

/** Deterministic values in [-2, 2) with exact zeros, so a failure reproduces. */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i % 17 === 0 ? 0 : (s / 2 ** 32) * 4 - 2;
  });
}

async function on(backend: string, compute: () => Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(compute);
  const data = Float32Array.from(out.dataSync());
  out.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return data;
}

async function assertSameBits(compute: () => Tensor, what: string): Promise<void> {
  const want = await on('cpu', compute);
  const got = await on('wasm', compute);
  assert.equal(got.length, want.length, `${what}: size`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) {
      const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));
      assert.fail(`${what}: [${i}] = ${show(got[i])}, cpu gives ${show(want[i])}`);
    }
  }
}

const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;

test('broadcastPlan: one value per column or per row of the other operand; equal shapes, scalars and two-sided broadcasts stay with tfjs', () => {
  assert.deepEqual(broadcastPlan([15, 50, 192], [192]), { big: 'a', rows: 750, n: 192, smallPerRow: false });
  assert.deepEqual(broadcastPlan([1, 192], [15, 50, 192]), { big: 'b', rows: 750, n: 192, smallPerRow: false });
  assert.deepEqual(broadcastPlan([15, 50, 192], [15, 50, 1]), { big: 'a', rows: 750, n: 192, smallPerRow: true });
  assert.equal(broadcastPlan([15, 50, 192], [15, 50, 192]), null);
  assert.equal(broadcastPlan([15, 50, 192], []), null);
  assert.equal(broadcastPlan([2, 1], [1, 3]), null);
  assert.equal(broadcastPlan([750, 192], [1, 1, 192]), null, 'the output would have another rank');
  assert.equal(broadcastPlan([15, 50, 192], [50, 1]), null, 'per row of a trailing block only');
  assert.equal(broadcastPlan([15, 50, 1], [15, 50, 1]), null);
});

describe('elementwise kernels of the OpenBLAS addon', () => {
  before(async () => {
    assert.ok(loadNativeGemm().ok, 'native GEMM addon unavailable (node scripts/setup.mjs builds it)');
    await initWasmBackend({ threads: 2, nativeGemm: true });
  });

  test('Add, Sub, Multiply, RealDiv with a [n] or [..., 1] operand, either side, match cpu bit for bit', async () => {
    let seed = 1;
    // [6, 7, 5]: serial in the addon; [15, 50, 192]: split over the threads.
    for (const shape of [[6, 7, 5], [15, 50, 192]]) {
      const n = shape[shape.length - 1];
      for (const small of [[n], [1, n], [...shape.slice(0, -1), 1]]) {
        for (const [name, op] of Object.entries(ops)) {
          const s = seed++;
          const big = () => tf.tensor(values(shape.reduce((p, d) => p * d, 1), s), shape);
          const other = () => tf.tensor(values(small.reduce((p, d) => p * d, 1), s + 1000), small);
          await assertSameBits(() => op(big(), other()), `${name}([${shape}], [${small}])`);
          await assertSameBits(() => op(other(), big()), `${name}([${small}], [${shape}])`);
        }
      }
    }
  });

  test('the broadcasts left to tfjs still match cpu', async () => {
    await assertSameBits(() => tf.sub(tf.tensor(values(2, 7), [2, 1]), tf.tensor(values(3, 8), [1, 3])), 'sub([2,1], [1,3])');
    await assertSameBits(() => tf.mul(tf.tensor(values(12, 9), [3, 4]), tf.scalar(0.1)), 'mul([3,4], scalar)');
  });

  test('Neg, Relu, Square match cpu bit for bit', async () => {
    for (const count of [100, 750 * 768]) {
      // With −0 and NaN, whose handling differs between relu formulas.
      const x = () => tf.tensor(Float32Array.from(values(count, count), (v, i) => (i === 1 ? -0 : i === 2 ? NaN : v)), [count]);
      await assertSameBits(() => tf.neg(x()), `neg [${count}]`);
      await assertSameBits(() => tf.relu(x()), `relu [${count}]`);
      await assertSameBits(() => tf.square(x()), `square [${count}]`);
    }
  });

  test('gradients of LayerNorm-shaped broadcasts match cpu: the input gradient bit for bit, the broadcast operands (summed in another order) to 1e-6', async () => {
    const grads = (which: number) => () => {
      const x = tf.tensor(values(4 * 9 * 16, 3), [4, 9, 16]);
      const w = tf.tensor(values(16, 4), [16]);
      const m = tf.tensor(values(36, 5), [4, 9, 1]);
      return tf.grads((a: Tensor, b: Tensor, c: Tensor) => tf.relu(a.sub(c).mul(b)).square().neg().sum())([x, w, m])[which];
    };
    await assertSameBits(grads(0), 'd/dx');
    for (const [which, name] of [[1, 'd/dw'], [2, 'd/dmean']] as const) {
      const want = await on('cpu', grads(which));
      const got = await on('wasm', grads(which));
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `${name}[${i}] = ${g}, cpu gives ${want[i]}`));
    }
  });
});
