// The recipe's pieces against their textbook formulas, computed here independently in float64:
// AdamW (torch.optim.AdamW), global-norm clipping, warm-up + cosine, label-smoothed cross-entropy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../trainer/tf.js';
import { AdamW, clipGradients } from '../trainer/train/adamw.js';
import { initWasmBackend } from '../trainer/backend/wasm.js';
import { registerAdamW, unregisterAdamW } from '../trainer/backend/nativeAdamW.js';
import { loadNativeGemm } from '../trainer/backend/nativeGemm.js';
import { fusedKernels, hasFusedKernel } from '../trainer/model/fusedBlock.js';
import { crossEntropy } from '../trainer/train/gradients.js';
import { learningRate } from '../trainer/train/schedule.js';

test('AdamW matches torch.optim.AdamW step by step, with decay only where asked', () => {
  tf.setBackend('cpu');
  const w0 = [0.5, -1.5, 2];
  const vars = { w: tf.variable(tf.tensor1d(w0)), b: tf.variable(tf.tensor1d([0.25])) };
  const s = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };
  const opt = new AdamW(vars, ['w', 'b'], new Set(['w']), s);
  const grads = [[0.1, -0.2, 0.3], [1, 0.5, -2]];
  const bGrads = [[0.4], [-0.1]];
  const lr = 0.01;
  // Reference: p ← p(1 − lr·wd); m, v moments; p ← p − lr · m̂ / (√v̂ + eps).
  const ref = (p0: number[], gs: number[][], decay: number): number[] => {
    const p = [...p0], m = p0.map(() => 0), v = p0.map(() => 0);
    gs.forEach((g, t) => {
      for (let i = 0; i < p.length; i++) {
        p[i] *= 1 - lr * decay;
        m[i] = s.beta1 * m[i] + (1 - s.beta1) * g[i];
        v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] ** 2;
        const mh = m[i] / (1 - s.beta1 ** (t + 1)), vh = v[i] / (1 - s.beta2 ** (t + 1));
        p[i] -= (lr * mh) / (Math.sqrt(vh) + s.eps);
      }
    });
    return p;
  };
  grads.forEach((g, t) => opt.apply({ w: tf.tensor1d(g), b: tf.tensor1d(bGrads[t]) }, lr));
  const w = Array.from(vars.w.dataSync());
  ref(w0, grads, 0.1).forEach((x, i) => assert.ok(Math.abs(x - w[i]) < 1e-6, `w[${i}] ${w[i]} vs ${x}`));
  assert.ok(Math.abs(vars.b.dataSync()[0] - ref([0.25], bGrads, 0)[0]) < 1e-6, 'no decay on b');
  assert.equal(opt.step, 2);
});

test('AdamW holds one parameter\'s temporaries at a time, not the whole model\'s', async () => {
  tf.setBackend('cpu');
  // Eight parameters of 256k floats (1 MiB each): a step makes a dozen temporaries per parameter.
  const names = Array.from({ length: 8 }, (_, i) => `p${i}`);
  const size = 1 << 18;
  const vars = Object.fromEntries(names.map((n) => [n, tf.variable(tf.fill([size], 0.5))]));
  const grads = Object.fromEntries(names.map((n) => [n, tf.fill([size], 0.01)]));
  const opt = new AdamW(vars, names, new Set(names), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 });
  try {
    const before = tf.memory().numBytes;
    const info = await tf.profile(() => opt.apply(grads, 1e-3));
    const perParameter = size * 4;
    // One scope around all parameters peaked at ~8 × 12 MiB here; one per parameter stays near 12 MiB.
    assert.ok(info.peakBytes - before < 16 * perParameter, `peak ${(info.peakBytes - before) / 2 ** 20} MiB above the start`);
    assert.equal(tf.memory().numBytes, before, 'no temporaries left after the step');
  } finally {
    opt.dispose();
    tf.dispose([...Object.values(vars), ...Object.values(grads)]);
  }
});

test('on wasm with the addon, AdamW\'s one-pass kernel gives the bits of its tfjs ops, with and without decay', async () => {
  const gemm = loadNativeGemm();
  assert.ok(gemm.ok, 'native GEMM addon unavailable (node scripts/setup.mjs builds it)');
  await initWasmBackend({ threads: 2, nativeGemm: true });
  try {
    assert.ok(hasFusedKernel(fusedKernels.adamW), 'the addon registers CrateAdamW');
    const rng = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    const run = () => {
      const random = rng(5);
      // 70k values: above the kernel's threshold for splitting over the threads; odd sizes too.
      const shapes: Record<string, number[]> = { w: [350, 200], b: [7], s: [1] };
      // Each variable the only holder of its data, as the trainer makes them: the fused step runs in place.
      const vars = Object.fromEntries(Object.entries(shapes).map(([n, sh]) => [n, tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: sh.reduce((a, b) => a * b, 1) }, random), sh)))]));
      const initial = vars.b.dataSync().slice();
      const opt = new AdamW(vars, Object.keys(shapes), new Set(['w']), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 });
      for (let step = 0; step < 3; step++) {
        const grads = Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, tf.tensor(Float32Array.from({ length: v.size }, random), v.shape)]));
        opt.apply(grads, 1e-3 * (step + 1));
        tf.dispose(Object.values(grads));
      }
      const out = Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, v.dataSync().slice()]));
      opt.dispose();
      tf.dispose(Object.values(vars));
      assert.notDeepEqual(Array.from(out.b), Array.from(initial), 'the step moved the parameters');
      return out;
    };
    const fused = run();
    unregisterAdamW();
    assert.ok(!hasFusedKernel(fusedKernels.adamW));
    const composed = run();
    for (const name of Object.keys(composed)) assert.deepEqual(fused[name], composed[name], `${name}: fused and composed steps differ`);
  } finally {
    if (gemm.ok) registerAdamW(gemm.addon);
    tf.setBackend('cpu');
  }
});

test('on wasm with the addon, AdamW steps a parameter in place when its variable alone holds the data, never one a clone shares; restoring moments leaves no tensors behind', async () => {
  const gemm = loadNativeGemm();
  assert.ok(gemm.ok, 'native GEMM addon unavailable (node scripts/setup.mjs builds it)');
  await initWasmBackend({ threads: 2, nativeGemm: true });
  try {
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    const offset = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset;
    const owned = tf.tidy(() => tf.variable(tf.fill([1000], 0.5)));
    const shared = tf.tidy(() => tf.variable(tf.fill([1000], 0.5)));
    const clone = tf.clone(shared); // shares the variable's data (backend/sharedIdentity.ts)
    const opt = new AdamW({ owned, shared }, ['owned', 'shared'], new Set(), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    const at = { owned: offset(owned), shared: offset(shared) };
    const grads = { owned: tf.fill([1000], 0.25), shared: tf.fill([1000], 0.25) };
    opt.apply(grads, 1e-2);
    assert.equal(offset(owned), at.owned, 'the owned parameter stays where it was');
    assert.notEqual(offset(shared), at.shared, 'the shared one gets a new buffer');
    assert.ok(Array.from(clone.dataSync()).every((x) => x === 0.5), 'the clone keeps the values it was made with');
    // Both took the same step: 0.5 − lr · m̂ / (√v̂ + ε), m̂ = g, √v̂ = g.
    const want = Math.fround(0.5 - 1e-2 * (0.25 / (0.25 + 1e-8)));
    for (const v of [owned, shared]) for (const x of v.dataSync()) assert.ok(Math.abs(x - want) < 1e-6, `${x} ≠ ${want}`);
    const tensors = tf.memory().numTensors;
    opt.restore(await opt.state(), 1);
    assert.equal(tf.memory().numTensors, tensors, 'restore made no tensors that outlive it');
    opt.apply(grads, 1e-2);
    assert.equal(offset(owned), at.owned, 'still in place after a restore');
    opt.dispose();
    tf.dispose([owned, shared, clone, ...Object.values(grads)]);
  } finally {
    tf.setBackend('cpu');
  }
});

test('global-norm clipping scales all gradients together, only above the limit', async () => {
  tf.setBackend('cpu');
  const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
  assert.equal(await clipGradients(grads, 10), 5);
  assert.deepEqual(Array.from(grads.a.dataSync()), [3, 0]);
  assert.equal(await clipGradients(grads, 1), 5);
  const clipped = [...grads.a.dataSync(), ...grads.b.dataSync()];
  assert.ok(Math.abs(Math.hypot(...clipped) - 1) < 1e-5);
  assert.ok(Math.abs(clipped[0] / clipped[3] - 0.75) < 1e-6);
});

test('learning rate: linear warm-up to lr, cosine down to minLr at the end', () => {
  const s = { lr: 1, minLr: 0.1, warmupSteps: 4, totalSteps: 104 };
  assert.equal(learningRate(0, s), 0.25);
  assert.equal(learningRate(3, s), 1);
  assert.equal(learningRate(4, s), 1);
  assert.ok(Math.abs(learningRate(54, s) - 0.55) < 1e-12);
  assert.ok(Math.abs(learningRate(104, s) - 0.1) < 1e-12);
});

test('cross-entropy with label smoothing is −Σ q log softmax, q = (1 − ε)·onehot + ε/K', () => {
  tf.setBackend('cpu');
  const logits = [[2, -1, 0.5], [0, 0, 3]];
  const labels = [0, 1];
  for (const eps of [0, 0.1]) {
    let want = 0;
    logits.forEach((row, r) => {
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
      row.forEach((x, k) => (want -= ((k === labels[r] ? 1 - eps : 0) + eps / 3) * (x - lse)));
    });
    want /= 2;
    const got = crossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), 3, eps).dataSync()[0];
    assert.ok(Math.abs(got - want) < 1e-6, `ε=${eps}: ${got} vs ${want}`);
  }
});
