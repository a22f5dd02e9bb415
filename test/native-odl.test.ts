// The ODL block of CRATE-α as one fused kernel (trainer/backend/nativeOdl.ts, trainer/native/odl.c)
// against the block's tfjs ops (trainer/model/odl.ts) on the wasm backend: forward outputs and the
// gradients of y, D and D̂, with and without a decoupled D̂, with dropout after the block; the
// fused gradient against central finite differences of a float64 implementation; edge shapes;
// the same bits on every call; and the addon's argument checks.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmWithAddon } from './support/wasmWithAddon.js';
import { tf, type Tensor } from '../trainer/tf.js';
import { loadNativeGemm, type NativeGemmAddon } from '../trainer/backend/nativeGemm.js';
import { registerNativeOdl, unregisterNativeOdl } from '../trainer/backend/nativeOdl.js';
import { memoryOffset, wasmHeap } from '../trainer/backend/matMulShared.js';
import { installMatMulKernels, restoreOriginalMatMulKernels } from '../trainer/backend/matMulKernels.js';
import { blockConstants } from '../trainer/model/architecture.js';
import type { Drop } from '../trainer/model/dropout.js';
import { odl } from '../trainer/model/odl.js';
import { fusedKernels, hasFusedKernel } from '../trainer/model/fusedBlock.js';
import { Rng } from '../trainer/random/rng.js';

const LAYER = 'layer';

interface Case {
  rows: number;
  d: number;
  m: number;
  decoupled: boolean;
  dropout: boolean;
}

/** Inputs drawn from a seeded generator: y like LayerNorm's output, D scaled so that about half the code is active. */
function inputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  const normal = (count: number, scale: number) => Float32Array.from({ length: count }, () => scale * rng.normal());
  return {
    y: normal(c.rows * c.d, 1),
    D: normal(c.d * c.m, 1 / Math.sqrt(c.d)),
    Dhat: normal(c.d * c.m, 1 / Math.sqrt(c.m)),
    // weights of the objective Σ w ⊙ out (the fused block's code has no gradient: model/odl.ts)
    w: normal(c.rows * c.d, 1),
    // dropout's mask after the block, scaled by 1/(1 − p) as in the model
    mask: Float32Array.from({ length: c.rows * c.d }, () => (rng.next() < 0.3 ? 0 : 1 / 0.7)),
  };
}

type Inputs = ReturnType<typeof inputs>;

interface Result {
  out: Float32Array;
  code: Float32Array;
  /** Dhat's only with a decoupled D̂. */
  grads: Record<'y' | 'D' | 'Dhat', Float32Array>;
  tensorsKept: number;
}

/** The block's outputs and the gradients of the objective, on the kernels now registered. */
function runBlock(c: Case, x: Inputs): Result {
  const before = tf.memory().numTensors;
  const y = tf.tensor(x.y, [c.rows, c.d]);
  const D = tf.tensor(x.D, [c.d, c.m]);
  const Dhat = tf.tensor(x.Dhat, [c.d, c.m]);
  const w = tf.tensor(x.w, [c.rows, c.d]);
  const mask = tf.tensor(x.mask, [c.rows, c.d]);
  const drop: Drop = c.dropout ? (t) => t.mul(mask) : (t) => t;
  const block = (yy: Tensor, DD: Tensor, DDhat: Tensor) => odl(yy, { [`${LAYER}.D`]: DD, ...(c.decoupled ? { [`${LAYER}.D1`]: DDhat } : {}) }, LAYER, drop);
  const [out, code] = tf.tidy(() => {
    const r = block(y, D, Dhat);
    return [r.out, r.code];
  });
  const objective = (yy: Tensor, DD: Tensor, DDhat: Tensor) => {
    const r = block(yy, DD, DDhat);
    return r.out.mul(w).sum() as tf.Scalar;
  };
  const grads = tf.grads(objective)(c.decoupled ? [y, D, Dhat] : [y, D]);
  const result = {
    out: out.dataSync() as Float32Array,
    code: code.dataSync() as Float32Array,
    grads: { y: grads[0].dataSync() as Float32Array, D: grads[1].dataSync() as Float32Array, Dhat: (grads[2]?.dataSync() ?? new Float32Array()) as Float32Array },
    tensorsKept: 0,
  };
  tf.dispose([y, D, Dhat, w, mask, out, code, ...grads]);
  result.tensorsKept = tf.memory().numTensors - before;
  return result;
}

function onComposed<T>(f: () => T): T {
  unregisterNativeOdl();
  try {
    return f();
  } finally {
    registerNativeOdl(addon());
  }
}

function addon(): NativeGemmAddon {
  const gemm = loadNativeGemm();
  if (!gemm.ok) throw new Error(gemm.reason);
  return gemm.addon;
}

/** max |got − want| ≤ tol · max |want| (float32 rounding, summed in another order). */
function assertClose(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  let scale = 0;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const diff = Math.abs(got[i] - want[i]);
    if (!(diff <= worst)) [worst, at] = [diff, i];
  }
  assert.ok(scale > 0, `${what}: all zeros`);
  assert.ok(worst <= tol * scale, `${what}: [${at}] = ${got[at]}, composed ops give ${want[at]} (max |diff| ${worst} against max |value| ${scale})`);
}

function compareWithComposed(c: Case, seed: number): void {
  const x = inputs(c, seed);
  const fused = runBlock(c, x);
  const composed = onComposed(() => runBlock(c, x));
  const what = `M ${c.rows}, d ${c.d}, m ${c.m}${c.decoupled ? ', decoupled D̂' : ', D̂ = D'}${c.dropout ? ', dropout' : ''}`;
  assertClose(fused.out, composed.out, 1e-5, `${what}: out`);
  assertClose(fused.code, composed.code, 1e-5, `${what}: code`);
  for (const name of ['y', 'D', 'Dhat'] as const) {
    if (name === 'Dhat' && !c.decoupled) continue;
    assertClose(fused.grads[name], composed.grads[name], 1e-5, `${what}: gradient of ${name}`);
  }
  assert.equal(fused.tensorsKept, 0, `${what}: the fused path leaked tensors`);
}

// ---------------------------------------------------------------------------------------------
// A float64 reference: the block's equations with plain loops.

function odl64(c: Case, y: Float64Array, D: Float64Array, Dhat: Float64Array) {
  const { eta, lambda } = blockConstants;
  const { rows: M, d, m } = c;
  const a1 = new Float64Array(M * m);
  const a2 = new Float64Array(M * m);
  const r = new Float64Array(M * d);
  const out = new Float64Array(M * d);
  const relu = (v: number) => Math.max(v, 0);
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += y[i * d + j] * D[j * m + k];
      a1[i * m + k] = relu(eta * s - eta * lambda);
    }
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a1[i * m + k] * D[j * m + k];
      r[i * d + j] = s - y[i * d + j];
    }
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += r[i * d + j] * D[j * m + k];
      a2[i * m + k] = relu(a1[i * m + k] - eta * s - eta * lambda);
    }
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += a2[i * m + k] * Dhat[j * m + k];
      out[i * d + j] = s;
    }
  }
  return { out, code: a2 };
}

describe('the ODL block as one native kernel (CrateOdl)', () => {
  before(async () => {
    await wasmWithAddon();
    assert.ok(hasFusedKernel(fusedKernels.odl), 'installMatMulKernels registered CrateOdl');
  });
  after(() => registerNativeOdl(addon()));

  test('forward outputs and the gradients of y, D and D̂ match the composed ops, with and without a decoupled D̂ and dropout', () => {
    let seed = 1;
    for (const decoupled of [true, false]) {
      for (const dropout of [false, true]) compareWithComposed({ rows: 12, d: 8, m: 32, decoupled, dropout }, seed++);
    }
    // threaded in the addon: products and passes above its serial thresholds
    compareWithComposed({ rows: 400, d: 32, m: 128, decoupled: true, dropout: true }, seed++);
    compareWithComposed({ rows: 400, d: 32, m: 128, decoupled: false, dropout: false }, seed++);
  });

  test('edge shapes: one row, odd sizes', () => {
    compareWithComposed({ rows: 1, d: 7, m: 21, decoupled: true, dropout: false }, 11);
    compareWithComposed({ rows: 1, d: 7, m: 21, decoupled: false, dropout: true }, 12);
    compareWithComposed({ rows: 3, d: 5, m: 9, decoupled: true, dropout: true }, 13);
  });

  test('the fused gradient matches central finite differences of a float64 implementation', () => {
    const rng = new Rng(7);
    for (const decoupled of [true, false]) {
      const c: Case = { rows: 6, d: 5, m: 15, decoupled, dropout: true };
      const x = inputs(c, decoupled ? 21 : 22);
      const fused = runBlock(c, x);
      const host = { y: Float64Array.from(x.y), D: Float64Array.from(x.D), Dhat: Float64Array.from(x.Dhat) };
      const objective = (): number => {
        const { out } = odl64(c, host.y, host.D, decoupled ? host.Dhat : host.D);
        let s = 0;
        for (let i = 0; i < out.length; i++) s += x.w[i] * x.mask[i] * out[i];
        return s;
      };
      for (const name of ['y', 'D', ...(decoupled ? ['Dhat' as const] : [])] as const) {
        const data = host[name];
        const base = Float64Array.from(data);
        for (let trial = 0; trial < 3; trial++) {
          const dir = Float64Array.from({ length: data.length }, () => rng.normal());
          const at = (t: number): number => {
            for (let i = 0; i < data.length; i++) data[i] = base[i] + t * dir[i];
            return objective();
          };
          const h = 1e-5;
          const fd = (at(h) - at(-h)) / (2 * h);
          data.set(base);
          let ad = 0;
          for (let i = 0; i < dir.length; i++) ad += fused.grads[name][i] * dir[i];
          assert.ok(Math.abs(ad - fd) <= 1e-3 * Math.max(1, Math.abs(fd)), `${name}${decoupled ? '' : ' (D̂ = D)'}: fused gradient ${ad} vs finite differences ${fd}`);
        }
      }
    }
  });

  test('a loss through the fused block\'s code is an error, not a silent zero gradient', () => {
    const c: Case = { rows: 4, d: 6, m: 12, decoupled: false, dropout: false };
    const x = inputs(c, 41);
    const y = tf.tensor(x.y, [c.rows, c.d]);
    const D = tf.tensor(x.D, [c.d, c.m]);
    try {
      const throughCode = (yy: Tensor) => odl(yy, { [`${LAYER}.D`]: D }, LAYER).code.sum() as tf.Scalar;
      assert.throws(() => tf.grad(throughCode)(y), /the fused ODL block gives its code no gradient/);
    } finally {
      tf.dispose([y, D]);
    }
  });

  test('the same bits on every call, and on 1, 2 and 3 threads', () => {
    const c: Case = { rows: 400, d: 32, m: 128, decoupled: true, dropout: false };
    const x = inputs(c, 31);
    const first = runBlock(c, x);
    const second = runBlock(c, x);
    assert.deepEqual(second.out, first.out);
    assert.deepEqual(second.grads, first.grads);
    // Panels and products are cut at fixed rows (native/odl.c), whatever the pool's size.
    const gemm = loadNativeGemm();
    assert.ok(gemm.ok);
    try {
      for (const threads of [1, 3]) {
        gemm.addon.setThreads(threads);
        const other = runBlock(c, x);
        assert.deepEqual(other.out, first.out, `out on ${threads} threads`);
        assert.deepEqual(other.grads, first.grads, `gradients on ${threads} threads`);
      }
    } finally {
      gemm.addon.setThreads(2);
    }
  });

  test('restoreOriginalMatMulKernels leaves the block to its tfjs ops; installMatMulKernels brings the kernel back', () => {
    restoreOriginalMatMulKernels();
    try {
      assert.equal(hasFusedKernel(fusedKernels.odl), false);
    } finally {
      installMatMulKernels(loadNativeGemm(), 2);
    }
    assert.equal(hasFusedKernel(fusedKernels.odl), true);
  });

  test('the addon rejects offsets outside the heap, misaligned or miscounted', () => {
    const backend = tf.backend() as BackendWasm;
    const y = tf.zeros([2, 3]);
    const D = tf.zeros([3, 6]);
    try {
      const heap = wasmHeap(backend);
      const [oy, oD] = [memoryOffset(backend, y), memoryOffset(backend, D)];
      const a = addon();
      assert.throws(() => a.crateOdl(heap, Float64Array.of(oy, oD, oD, oy, oD, oD, heap.byteLength - 8), 2, 3, 6, 0.1, 0.1), /outside the wasm heap/);
      assert.throws(() => a.crateOdl(heap, Float64Array.of(oy, oD, oD, oy, oD, oD, oy + 2), 2, 3, 6, 0.1, 0.1), /misaligned/);
      assert.throws(() => a.crateOdl(heap, Float64Array.of(oy, oD, oD), 2, 3, 6, 0.1, 0.1), /wrong number of tensor offsets/);
      assert.throws(() => a.crateOdl(heap, Float64Array.of(oy, oD, oD, oy, oD, oD, oy), 0, 3, 6, 0.1, 0.1), /bad integer/);
      assert.throws(() => a.crateOdlGrad(heap, Float64Array.of(oy), 2, 3, 6, 0.1), /wrong number of tensor offsets/);
    } finally {
      tf.dispose([y, D]);
    }
  });
});
