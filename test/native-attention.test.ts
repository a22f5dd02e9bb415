// MSSA's attention core as one fused kernel of the OpenBLAS addon (trainer/native/attention.c,
// trainer/backend/nativeAttention.ts) against the composed tfjs ops of model/mssa.ts on the same
// wasm backend: heads, attention weights and the gradient of the projections, with and without a
// gradient flowing into the weights; the kernel's gradient against central finite differences of
// a float64 implementation; the same bits on 1 and 2 threads; the addon's argument checks.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { wasmWithAddon } from './support/wasmWithAddon.js';
import { tf, type Tensor } from '../trainer/tf.js';
import type { NativeGemmAddon } from '../trainer/backend/nativeGemm.js';
import { registerAttentionKernels, unregisterAttentionKernels } from '../trainer/backend/nativeAttention.js';
import { memoryOffset, wasmHeap } from '../trainer/backend/matMulShared.js';
import { fusedKernels, hasFusedKernel } from '../trainer/model/fusedBlock.js';
import { multiHeadAttention } from '../trainer/model/mssa.js';
import type { Drop } from '../trainer/model/dropout.js';

/** Deterministic values in [-amp, amp), so a failure reproduces. */
function values(count: number, seed: number, amp = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * amp;
  });
}

interface Shape {
  batch: number;
  tokens: number;
  heads: number;
  headDim: number;
}

interface Run {
  heads: Float32Array;
  attention: Float32Array;
  grad: Float32Array;
}

/**
 * Heads, weights and ∂L/∂w for L = Σ heads ⊙ R + Σ attention ⊙ Q (Q = 0: the weights unused, their
 * gradient zeros as in the model), by whichever path is registered now.
 */
function attend(s: Shape, seed: number, weightsUsed: boolean): Run {
  const width = s.heads * s.headDim;
  const size = s.batch * s.tokens * width;
  const scale = s.headDim ** -0.5;
  return tf.tidy(() => {
    const w = tf.tensor(values(size, seed, 2), [s.batch, s.tokens, width]);
    const r = tf.tensor(values(size, seed + 1), [s.batch, s.tokens, width]);
    const q = tf.tensor(values(s.batch * s.heads * s.tokens * s.tokens, seed + 2), [s.batch, s.heads, s.tokens, s.tokens]);
    const out = multiHeadAttention(w, s.heads, scale);
    const loss = (x: Tensor): Tensor => {
      const o = multiHeadAttention(x, s.heads, scale);
      const l = o.heads.mul(r).sum();
      return weightsUsed ? l.add(o.attention.mul(q).sum()) : l;
    };
    const grad = tf.grad(loss)(w);
    return { heads: out.heads.dataSync() as Float32Array, attention: out.attention.dataSync() as Float32Array, grad: grad.dataSync() as Float32Array };
  });
}

function assertClose(got: Float32Array, want: Float32Array, what: string, rel = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: size`);
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  for (let i = 0; i < got.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= rel * scale)) assert.fail(`${what}: [${i}] = ${got[i]}, composed ops give ${want[i]} (max |value| ${scale})`);
  }
}

/** Σ heads ⊙ R + Σ A ⊙ Q in float64, straight from eq. (5): the finite differences' objective. */
function lossF64(w: Float64Array, r: Float32Array, q: Float32Array, s: Shape): number {
  const { batch, tokens: n, heads: k, headDim: p } = s;
  const ld = k * p;
  const scale = p ** -0.5;
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < k; h++) {
      const at = (i: number, c: number): number => w[(b * n + i) * ld + h * p + c];
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: n }, (_, j) => {
          let d = 0;
          for (let c = 0; c < p; c++) d += at(i, c) * at(j, c);
          return d * scale;
        });
        const max = Math.max(...row);
        const e = row.map((v) => Math.exp(v - max));
        const sum = e.reduce((x, y) => x + y, 0);
        const a = e.map((v) => v / sum);
        for (let j = 0; j < n; j++) loss += a[j] * q[((b * k + h) * n + i) * n + j];
        for (let c = 0; c < p; c++) {
          let hv = 0;
          for (let j = 0; j < n; j++) hv += a[j] * at(j, c);
          loss += hv * r[(b * n + i) * ld + h * p + c];
        }
      }
    }
  }
  return loss;
}

describe('fused MSSA attention core (CrateSubspaceAttention) of the OpenBLAS addon', () => {
  let addon: NativeGemmAddon;
  before(async () => {
    addon = await wasmWithAddon();
  });

  const fusedAndComposed = (s: Shape, seed: number, weightsUsed: boolean): { fused: Run; composed: Run } => {
    assert.ok(hasFusedKernel(fusedKernels.attention), 'the addon registers the fused kernel on wasm');
    const fused = attend(s, seed, weightsUsed);
    unregisterAttentionKernels();
    try {
      assert.ok(!hasFusedKernel(fusedKernels.attention));
      return { fused, composed: attend(s, seed, weightsUsed) };
    } finally {
      registerAttentionKernels(addon);
    }
  };

  const shapes: Shape[] = [
    { batch: 15, tokens: 50, heads: 3, headDim: 64 }, // mnist's micro-batch
    { batch: 2, tokens: 65, heads: 6, headDim: 64 }, // cifar's tokens and heads
    { batch: 3, tokens: 7, heads: 2, headDim: 5 }, // odd p
    { batch: 2, tokens: 1, heads: 3, headDim: 4 }, // one token
    { batch: 1, tokens: 9, heads: 1, headDim: 3 }, // one head, one example (one pair: serial)
  ];

  test('heads, attention weights and ∂/∂w match the composed ops (heads only, and weights used too)', () => {
    let seed = 1;
    for (const s of shapes) {
      for (const weightsUsed of [false, true]) {
        const what = `[${s.batch}, ${s.tokens}, ${s.heads}×${s.headDim}]${weightsUsed ? ' with ∂L/∂A' : ''}`;
        const before = tf.memory().numTensors;
        const { fused, composed } = fusedAndComposed(s, (seed += 10), weightsUsed);
        assert.equal(tf.memory().numTensors, before, `${what}: tensors leaked`);
        assertClose(fused.heads, composed.heads, `${what} heads`);
        assertClose(fused.attention, composed.attention, `${what} attention`);
        assertClose(fused.grad, composed.grad, `${what} ∂L/∂w`);
      }
    }
  });

  test('∂/∂w of the fused kernel against central finite differences of float64 attention', () => {
    for (const s of [{ batch: 2, tokens: 5, heads: 2, headDim: 3 }, { batch: 1, tokens: 1, heads: 1, headDim: 2 }]) {
      const width = s.heads * s.headDim;
      const size = s.batch * s.tokens * width;
      const seed = 77;
      const got = attend(s, seed, true).grad;
      const w = Float64Array.from(values(size, seed, 2));
      const r = values(size, seed + 1);
      const q = values(s.batch * s.heads * s.tokens * s.tokens, seed + 2);
      const h = 1e-6;
      for (let i = 0; i < size; i++) {
        const x = w[i];
        w[i] = x + h;
        const up = lossF64(w, r, q, s);
        w[i] = x - h;
        const down = lossF64(w, r, q, s);
        w[i] = x;
        const fd = (up - down) / (2 * h);
        assert.ok(Math.abs(got[i] - fd) <= 1e-4 * (1 + Math.abs(fd)), `[${s.batch}, ${s.tokens}, ${s.heads}×${s.headDim}] ∂L/∂w[${i}] = ${got[i]}, finite differences ${fd}`);
      }
    }
  });

  test('the same bits on one thread and on two', () => {
    const s = shapes[0];
    const two = attend(s, 5, true);
    addon.setThreads(1);
    try {
      const one = attend(s, 5, true);
      for (const key of ['heads', 'attention', 'grad'] as const) assert.deepEqual(one[key], two[key], key);
    } finally {
      addon.setThreads(2);
    }
  });

  test('dropout on the attention weights runs the composed ops (the kernel has no mask)', () => {
    let sites = 0;
    const drop: Drop = (x, site) => {
      assert.equal(site, 'attention-weights');
      sites++;
      return x.mul(0.5);
    };
    tf.tidy(() => {
      const w = tf.tensor(values(2 * 4 * 6, 3), [2, 4, 6]);
      const plain = multiHeadAttention(w, 2, 0.5);
      const dropped = multiHeadAttention(w, 2, 0.5, drop);
      assert.equal(sites, 1);
      assertClose(dropped.heads.dataSync() as Float32Array, plain.heads.mul(0.5).dataSync() as Float32Array, 'halved weights');
    });
  });

  test('the addon rejects a tensor outside the wasm heap, a bad shape and a wrong argument count', () => {
    const backend = tf.backend() as BackendWasm;
    const w = tf.zeros([1, 2, 4]);
    try {
      const heap = wasmHeap(backend);
      const at = memoryOffset(backend, w);
      assert.throws(() => addon.subspaceAttention(heap, at, at, heap.byteLength - 4, 1, 2, 2, 2, 1), /outside the wasm heap/);
      assert.throws(() => addon.subspaceAttention(heap, at + 2, at, at, 1, 2, 2, 2, 1), /misaligned/);
      assert.throws(() => addon.subspaceAttention(heap, at, at, at, 1, 2, 0, 2, 1), /bad integer argument/);
      assert.throws(() => addon.subspaceAttention(heap, at, at, at, 1, 2, 2, 2, Number.NaN), /scale must be finite/);
      assert.throws(() => (addon.subspaceAttentionGrad as (...args: unknown[]) => void)(heap, at), /subspaceAttentionGrad\(heap/);
    } finally {
      w.dispose();
    }
  });
});
