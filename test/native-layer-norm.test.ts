// LayerNorm as one fused kernel on the wasm backend (trainer/backend/nativeLayerNorm.ts,
// trainer/native/layerNorm.c) against the same equations composed in tfjs ops on the same
// backend (trainer/model/layerNorm.ts), against float64 finite differences, and for determinism:
// the same bits on every call and for every size of the addon's thread pool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { wasmWithAddon } from './support/wasmWithAddon.js';
import { tf, type Tensor } from '../trainer/tf.js';
import type { NativeGemmAddon } from '../trainer/backend/nativeGemm.js';
import { registerLayerNorm, unregisterLayerNorm } from '../trainer/backend/nativeLayerNorm.js';
import { restoreOriginalMatMulKernels } from '../trainer/backend/matMulKernels.js';
import { memoryOffset, wasmHeap } from '../trainer/backend/matMulShared.js';
import { blockConstants, resolveShape } from '../trainer/model/architecture.js';
import { forward } from '../trainer/model/forward.js';
import { fusedKernels, hasFusedKernel } from '../trainer/model/fusedBlock.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { layerNorm } from '../trainer/model/layerNorm.js';
import { toParams } from '../trainer/model/params.js';
import { rateReductionGap } from '../trainer/metrics/srrRegularizer.js';
import { Rng } from '../trainer/random/rng.js';

/** Deterministic values in [lo, lo + 4), so a failure reproduces. */
function values(count: number, seed: number, lo = -2): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 + lo;
  });
}

const sizeOf = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

interface Case {
  shape: number[];
  eps: number;
}

/** Operands of a case: x (offset from 0 so the mean matters), weight, bias, and a dy for y. */
function operands({ shape }: Case, seed: number): { x: Tensor; w: Tensor; b: Tensor; dy: Tensor } {
  const n = shape[shape.length - 1];
  return {
    x: tf.tensor(values(sizeOf(shape), seed, 1), shape),
    w: tf.tensor(values(n, seed + 1, -1), [n]),
    b: tf.tensor(values(n, seed + 2), [n]),
    dy: tf.tensor(values(sizeOf(shape), seed + 3), shape),
  };
}

/** y and the gradients of ⟨dy, y⟩ for x, weight and bias, as host arrays. */
function forwardAndGradients(c: Case, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const { x, w, b, dy } = operands(c, seed);
    const y = layerNorm(x, w, b, c.eps);
    const grads = tf.grads((x: Tensor, w: Tensor, b: Tensor) => layerNorm(x, w, b, c.eps))([x, w, b], dy);
    return [y, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

const NAMES = ['y', 'dx', 'dweight', 'dbias'];

function assertSameBits(got: Float32Array[], want: Float32Array[], what: string): void {
  got.forEach((g, k) => {
    assert.equal(g.length, want[k].length, `${what} ${NAMES[k]}: size`);
    for (let i = 0; i < g.length; i++) {
      if (!Object.is(g[i], want[k][i])) assert.fail(`${what} ${NAMES[k]}[${i}] = ${g[i]}, against ${want[k][i]}`);
    }
  });
}

/** |got − want| ≤ tol · max |want| elementwise: relative to the array's scale, as sums are reordered. */
function assertClose(got: Float32Array, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: size`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(scale, 1e-30))) assert.fail(`${what}[${i}] = ${got[i]}, against ${want[i]} (scale ${scale})`);
  }
}

/** LayerNorm of each row in float64, and ⟨dy, y⟩: the objective of the finite differences. */
function objective64(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, dy: ArrayLike<number>, n: number, eps: number): number {
  let total = 0;
  for (let r = 0; r < x.length / n; r++) {
    const row = Array.from({ length: n }, (_, c) => x[r * n + c]);
    const mean = row.reduce((s, v) => s + v, 0) / n;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let c = 0; c < n; c++) total += dy[r * n + c] * ((row[c] - mean) * rstd * w[c] + b[c]);
  }
  return total;
}

const EPS = [blockConstants.layerNormEps('crate-alpha'), blockConstants.layerNormEps('crate'), blockConstants.headLayerNormEps];

// [15, 50, 192]: a layer's tokens on mnist (threaded in the addon); [6, 65, 384]: on cifar;
// [15, 192]: the head's class tokens; one row; n = 1 (x̂ = 0, y = bias); odd n; a 1-D x.
const CASES: Case[] = [
  { shape: [15, 50, 192], eps: EPS[0] },
  { shape: [6, 65, 384], eps: EPS[1] },
  { shape: [15, 192], eps: EPS[2] },
  { shape: [1, 7], eps: EPS[0] },
  { shape: [5, 1], eps: EPS[0] },
  { shape: [3, 1], eps: EPS[1] },
  { shape: [3, 4, 33], eps: EPS[1] },
  { shape: [13, 97, 41], eps: EPS[0] },
  { shape: [9], eps: EPS[1] },
];

describe('LayerNorm as one fused kernel on wasm (CrateLayerNorm, CrateLayerNormGrad)', () => {
  let addon: NativeGemmAddon;

  before(async () => {
    addon = await wasmWithAddon();
    assert.ok(hasFusedKernel(fusedKernels.layerNorm) && hasFusedKernel(fusedKernels.layerNormGrad), 'the addon registers both kernels');
  });

  after(() => {
    addon.setThreads(2);
    registerLayerNorm(addon);
  });

  /** The composed tfjs ops on the same backend: the fused kernels taken away for `run`. */
  function composed<T>(run: () => T): T {
    unregisterLayerNorm();
    try {
      assert.ok(!hasFusedKernel(fusedKernels.layerNorm));
      return run();
    } finally {
      registerLayerNorm(addon);
    }
  }

  test('fused against composed: y to the bit, the three gradients to 1e-5 of their scale, for both architectures\' eps and edge shapes', () => {
    CASES.forEach((c, i) => {
      const what = `[${c.shape}] eps ${c.eps}`;
      const before = tf.memory().numTensors;
      const fused = forwardAndGradients(c, 10 * i + 1);
      assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
      const want = composed(() => forwardAndGradients(c, 10 * i + 1));
      // The same float32 operations in the same order (sums left to right, as tfjs's Mean).
      assertSameBits([fused[0]], [want[0]], what);
      for (let k = 1; k < 4; k++) assertClose(fused[k], want[k], 1e-5, `${what} ${NAMES[k]}`);
    });
  });

  test('n = 1: y is the bias and every input gradient is zero; the bias gradient sums dy', () => {
    const c = { shape: [5, 1], eps: EPS[0] };
    const [y, dx, dw, db] = forwardAndGradients(c, 3);
    const [b, dy] = tf.tidy(() => {
      const o = operands(c, 3);
      return [o.b, o.dy].map((t) => Float32Array.from(t.dataSync()));
    });
    assert.deepEqual(Array.from(y), Array(5).fill(b[0]));
    assert.deepEqual(Array.from(dx), [0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(dw), [0]);
    assert.ok(Math.abs(db[0] - dy.reduce((s, v) => s + v, 0)) < 1e-6);
  });

  test('an output read twice (the SRR regularizer reads the MSSA input beside the block): the two gradients add up as in the composed ops', () => {
    const c = { shape: [4, 10, 24], eps: EPS[0] };
    const grads = () =>
      tf.tidy(() => {
        const { x, w, b, dy } = operands(c, 7);
        const f = (x: Tensor, w: Tensor, b: Tensor) => {
          const y = layerNorm(x, w, b, c.eps);
          return y.mul(dy).sum().add(y.square().mean());
        };
        return tf.grads(f)([x, w, b]).map((t) => Float32Array.from(t.dataSync()));
      });
    const fused = grads();
    const want = composed(grads);
    for (let k = 0; k < 3; k++) assertClose(fused[k], want[k], 1e-5, NAMES[k + 1]);
  });

  for (const arch of ['crate-alpha', 'crate'] as const) {
    test(`a whole ${arch} model (every layer's and the head's LayerNorm, and crate's patch embedding's) with the SRR term on the traced MSSA inputs: the same loss and gradients as composed`, () => {
      const shape = resolveShape(arch, undefined, { image: 8, patch: 4, channels: 1, dim: 12, depth: 2, heads: 2, classes: 3 });
      const rng = new Rng(17);
      const host = initializeParameters(shape, rng);
      const images = rng.fill(new Float32Array(3 * 64), () => rng.normal());
      const names = ['transformer.layers.0.0.norm.weight', 'transformer.layers.1.1.norm.bias', 'mlp_head.0.weight', 'transformer.layers.0.0.fn.qkv.weight'];
      if (arch === 'crate') names.push('to_patch_embedding.1.weight', 'to_patch_embedding.3.bias');
      const run = (): Float32Array[] =>
        tf.tidy(() => {
          const p = toParams(host);
          const x = tf.tensor(images, [3, 1, 8, 8]);
          const f = (...ts: Tensor[]): Tensor => {
            const q = { ...p };
            names.forEach((name, i) => (q[name] = ts[i]));
            const r = forward(x, q, shape, { trace: true });
            const srr = rateReductionGap(r.layers[0].mssaInput, q['transformer.layers.0.0.fn.qkv.weight'], shape.heads).mean();
            return r.logits.square().sum().add(srr.mul(0.1));
          };
          const { value, grads } = tf.valueAndGrads(f)(names.map((name) => p[name]));
          return [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
        });
      const fused = run();
      const want = composed(run);
      assertClose(fused[0], want[0], 1e-5, 'loss');
      names.forEach((name, i) => assertClose(fused[i + 1], want[i + 1], 1e-4, name));
    });
  }

  test('gradients against central differences of a float64 LayerNorm', () => {
    for (const c of [{ shape: [3, 5, 11], eps: EPS[0] }, { shape: [2, 8], eps: EPS[1] }]) {
      const n = c.shape[c.shape.length - 1];
      const host = tf.tidy(() => {
        const o = operands(c, 21);
        return [o.x, o.w, o.b, o.dy].map((t) => Float32Array.from(t.dataSync()));
      });
      const [x, w, b, dy] = host;
      const [, ...grads] = forwardAndGradients(c, 21);
      const h = 1e-4;
      [x, w, b].forEach((param, k) => {
        const v = values(param.length, 100 + k);
        // The objective in float64 with parameter k moved by t along v.
        const at = (t: number): number => {
          const moved = Float64Array.from(param, (value, i) => value + t * v[i]);
          const [mx, mw, mb] = [x, w, b].map((a, j) => (j === k ? moved : a));
          return objective64(mx, mw, mb, dy, n, c.eps);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        let ad = 0;
        for (let i = 0; i < v.length; i++) ad += grads[k][i] * v[i];
        assert.ok(Math.abs(fd) > 1e-2, `[${c.shape}] ${NAMES[k + 1]}: a direction with a gradient`);
        assert.ok(Math.abs(ad - fd) <= 1e-4 * Math.max(1, Math.abs(fd)), `[${c.shape}] ${NAMES[k + 1]}: fused ${ad} against finite differences ${fd}`);
      });
    }
  });

  test('deterministic: the same bits on a second call and with the pool at 1, 2 and 3 threads', () => {
    try {
      for (const c of [{ shape: [15, 50, 192], eps: EPS[0] }, { shape: [13, 97, 41], eps: EPS[1] }]) {
        addon.setThreads(2);
        const first = forwardAndGradients(c, 5);
        assertSameBits(forwardAndGradients(c, 5), first, `[${c.shape}] second call`);
        for (const threads of [1, 3]) {
          assert.equal(addon.setThreads(threads), threads);
          assertSameBits(forwardAndGradients(c, 5), first, `[${c.shape}] on ${threads} thread(s)`);
        }
      }
    } finally {
      addon.setThreads(2);
    }
  });

  test('the addon refuses bad arguments; the kernel refuses a weight of the wrong size', () => {
    const backend = tf.backend() as Parameters<typeof wasmHeap>[0];
    tf.tidy(() => {
      const x = tf.zeros([4, 8]);
      const p = tf.zeros([8]);
      const heap = wasmHeap(backend);
      const at = (t: Tensor) => memoryOffset(backend, t as unknown as Parameters<typeof memoryOffset>[1]);
      const ok = [at(x), at(p), at(p), at(x), at(p), at(p)] as const;
      assert.doesNotThrow(() => addon.layerNorm(heap, ...ok, 4, 8, 1e-5));
      assert.throws(() => addon.layerNorm(heap, heap.byteLength - 16, at(p), at(p), at(x), at(p), at(p), 4, 8, 1e-5), /outside the wasm heap/);
      assert.throws(() => addon.layerNorm(heap, at(x) + 2, at(p), at(p), at(x), at(p), at(p), 4, 8, 1e-5), /misaligned/);
      assert.throws(() => addon.layerNorm(heap, ...ok, 4, 0, 1e-5), /bad integer argument/);
      assert.throws(() => addon.layerNorm(heap, ...ok, 4, 8, -1), /eps/);
      assert.throws(() => (addon.layerNormGrad as (...args: unknown[]) => void)(heap, at(x)), /layerNormGrad\(heap/);
      assert.throws(() => addon.layerNormGrad(heap, at(x), at(x), at(p), at(p), at(p), at(x), at(p), -4, 4, 8), /misaligned or negative/);
      assert.throws(() => layerNorm(x, tf.zeros([7]), p, 1e-5), /weight and bias must hold 8 values/);
    });
  });

  test('only the wasm backend with the addon has the fused kernels', async () => {
    try {
      restoreOriginalMatMulKernels();
      assert.ok(!hasFusedKernel(fusedKernels.layerNorm) && !hasFusedKernel(fusedKernels.layerNormGrad));
      await tf.setBackend('cpu');
      assert.ok(!hasFusedKernel(fusedKernels.layerNorm));
    } finally {
      await wasmWithAddon();
    }
    assert.ok(hasFusedKernel(fusedKernels.layerNorm));
  });
});
