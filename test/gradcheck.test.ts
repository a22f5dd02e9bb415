// Gradient checks: tfjs autodiff (float32) through MSSA, ODL and ISTA (also with dropout on fixed
// masks; and attention-only layers), and the custom gradient of
// the Rc − R regularizer, against central finite differences of float64 implementations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../trainer/tf.js';
import { type ArchId, resolveShape } from '../trainer/model/architecture.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters, type HostParams } from '../trainer/model/initialize.js';
import { toParams } from '../trainer/model/params.js';
import { Rng } from '../trainer/random/rng.js';
import { codingRate, compressionRate } from '../trainer/metrics/codingRate.js';
import { batchLogdetOnDevice, batchLogdetOnHost, rateReductionGap } from '../trainer/metrics/srrRegularizer.js';
import { inverseSpd, logdetSpd } from '../trainer/metrics/cholesky.js';
import { logdetAndInverse } from '../trainer/metrics/gaussJordan.js';
import { FixedDropout } from './support/fixedDropout.js';
import { naiveLogits } from './support/naiveModel.js';

/** ⟨∇f, v⟩ by central differences of a float64 function of one parameter array. */
function directionalFd(f: () => number, data: Float32Array, v: Float64Array, h: number): number {
  const base = Float64Array.from(data);
  const at = (t: number): number => {
    for (let i = 0; i < data.length; i++) data[i] = base[i] + t * v[i];
    return f();
  };
  const d = (at(h) - at(-h)) / (2 * h);
  data.set(base);
  return d;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Autodiff gradients of `names` against central differences of the naive objective, along three random directions each. */
function checkAgainstFiniteDifferences(names: string[], grads: Tensor[], host: HostParams, objective: () => number, rng: Rng): void {
  names.forEach((name, i) => {
    const g = grads[i].dataSync();
    const data = host.get(name)!.data;
    for (let trial = 0; trial < 3; trial++) {
      const v = Float64Array.from({ length: data.length }, () => rng.normal());
      const fd = directionalFd(objective, data, v, 1e-4);
      const ad = dot(g, v);
      assert.ok(Math.abs(ad - fd) <= 1e-3 * Math.max(1, Math.abs(fd)), `${name}: autodiff ${ad} vs finite differences ${fd}`);
    }
    assert.ok(Math.max(...Array.from(g, Math.abs)) > 1e-4, `${name}: gradient is not trivially zero`);
  });
}

// Blocks, by the parameters that only they use.
const cases: Array<{ arch: ArchId; block: string; names: string[]; attentionOnly?: boolean }> = [
  { arch: 'crate-alpha', block: 'MSSA', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.1.0.fn.to_out.0.weight'] },
  { arch: 'crate-alpha', block: 'ODL', names: ['transformer.layers.0.1.fn.D', 'transformer.layers.1.1.fn.D1', 'transformer.layers.1.1.norm.weight'] },
  { arch: 'crate', block: 'MSSA', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.0.0.fn.to_out.0.bias'] },
  { arch: 'crate', block: 'ISTA', names: ['transformer.layers.0.1.fn.weight', 'transformer.layers.1.1.fn.weight'] },
  { arch: 'crate-t', block: 'MSSA (tied, transposed)', names: ['transformer.layers.1.0.fn.qkv.weight'] },
  // The SRR study's attention-only layers: MSSA and its skip connection, nothing between them.
  { arch: 'crate-n', block: 'attention-only layers', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.1.0.norm.weight'], attentionOnly: true },
  { arch: 'crate', block: 'attention-only layers', names: ['transformer.layers.0.0.fn.to_out.0.weight', 'transformer.layers.1.0.fn.qkv.weight'], attentionOnly: true },
];

for (const c of cases) {
  test(`gradient of ${c.arch} through ${c.block} matches finite differences`, () => {
    tf.setBackend('cpu');
    const shape = resolveShape(c.arch, undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3, attentionOnly: c.attentionOnly });
    const rng = new Rng(11);
    const host: HostParams = initializeParameters(shape, rng);
    const images = rng.fill(new Float32Array(2 * 64), () => rng.normal());
    const weights = Float64Array.from({ length: 2 * 3 }, () => rng.normal());
    const objective = (): number => dot(naiveLogits(host, shape, images).flat(), weights);

    const p = toParams(host);
    const x = tf.tensor(images, [2, 1, 8, 8]);
    const f = (...ts: Tensor[]): Tensor => {
      const q = { ...p };
      c.names.forEach((n, i) => (q[n] = ts[i]));
      return forward(x, q, shape).logits.mul(tf.tensor(Float32Array.from(weights), [2, 3])).sum();
    };
    const grads = tf.grads(f)(c.names.map((n) => p[n]));
    checkAgainstFiniteDifferences(c.names, grads, host, objective, rng);
    tf.dispose([x, ...grads, ...Object.values(p)]);
  });
}

// Dropout on fixed masks (test/support/fixedDropout.ts): the gradient through the dropped sites of
// each architecture family matches finite differences of the naive model with the same masks.
// CRATE-α's embedding dropout is reached through layer 0's parameters: the CLS token's own
// parameters are left out, its LayerNorm of a near-constant vector defeats finite differences.
const dropoutCases: Array<{ arch: ArchId; names: string[] }> = [
  { arch: 'crate-alpha', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.0.0.fn.to_out.0.weight', 'transformer.layers.0.1.fn.D1', 'transformer.layers.1.1.norm.weight'] },
  { arch: 'crate', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.0.0.fn.to_out.0.weight'] },
  { arch: 'vit', names: ['transformer.layers.0.0.fn.to_qkv.weight', 'transformer.layers.0.1.fn.net.0.weight', 'transformer.layers.1.1.fn.net.3.weight'] },
];

for (const c of dropoutCases) {
  test(`gradient of ${c.arch} with dropout on fixed masks matches finite differences`, () => {
    tf.setBackend('cpu');
    const shape = resolveShape(c.arch, undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3 });
    const rng = new Rng(13);
    const host: HostParams = initializeParameters(shape, rng);
    const images = rng.fill(new Float32Array(2 * 64), () => rng.normal());
    const weights = Float64Array.from({ length: 2 * 3 }, () => rng.normal());
    const p = toParams(host);
    const x = tf.tensor(images, [2, 1, 8, 8]);
    const dropout = new FixedDropout(0.4, rng);
    tf.dispose(forward(x, p, shape, { dropout }).logits); // draws the masks
    const objective = (): number => dot(naiveLogits(host, shape, images, undefined, dropout.masks).flat(), weights);
    const f = (...ts: Tensor[]): Tensor => {
      const q = { ...p };
      c.names.forEach((n, i) => (q[n] = ts[i]));
      return forward(x, q, shape, { dropout: dropout.replay() }).logits.mul(tf.tensor(Float32Array.from(weights), [2, 3])).sum();
    };
    const grads = tf.grads(f)(c.names.map((n) => p[n]));
    checkAgainstFiniteDifferences(c.names, grads, host, objective, rng);
    tf.dispose([x, ...grads, ...Object.values(p)]);
  });
}

// Both logdet paths: float64 on the host (cpu, wasm, tensorflow) and Gauss–Jordan on the device (webgpu).
for (const [path, logdet] of [['float64 on the host', batchLogdetOnHost], ['Gauss–Jordan on the device', batchLogdetOnDevice]] as const) {
  test(`gradient of the Rc − R regularizer (${path}) matches finite differences (both Gram orientations)`, () => {
    tf.setBackend('cpu');
    const rng = new Rng(5);
    for (const [b, n, d, heads] of [[2, 5, 8, 2], [1, 12, 6, 3]]) {
      const z = rng.fill(new Float32Array(b * n * d), () => rng.normal());
      const w = rng.fill(new Float32Array(d * d), () => rng.normal() / Math.sqrt(d));
      const weights = Float64Array.from({ length: b }, () => rng.normal());
      const objective = (): number => {
        let s = 0;
        for (let i = 0; i < b; i++) {
          const zi = z.subarray(i * n * d, (i + 1) * n * d);
          s += weights[i] * (compressionRate(zi, n, d, w, heads, 0.5) - codingRate(zi, n, d, 0.5));
        }
        return s;
      };
      const wt = tf.tensor(Float32Array.from(weights));
      const [gz, gw] = tf.grads((zt: Tensor, wq: Tensor) => rateReductionGap(zt, wq, heads, 0.5, logdet).mul(wt).sum())([tf.tensor(z, [b, n, d]), tf.tensor(w, [d, d])]);
      for (const [data, g] of [[z, gz.dataSync()], [w, gw.dataSync()]] as const) {
        const v = Float64Array.from({ length: data.length }, () => rng.normal());
        const fd = directionalFd(objective, data, v, 1e-4);
        const ad = dot(g, v);
        assert.ok(Math.abs(ad - fd) <= 1e-3 * Math.max(1, Math.abs(fd)), `autodiff ${ad} vs finite differences ${fd}`);
      }
      // The value itself equals the float64 metric.
      const value = dot(rateReductionGap(tf.tensor(z, [b, n, d]), tf.tensor(w, [d, d]), heads, 0.5, logdet).dataSync(), weights);
      assert.ok(Math.abs(value - objective()) <= 1e-4 * Math.max(1, Math.abs(objective())), `value ${value} vs ${objective()}`);
    }
  });
}

test('Gauss–Jordan on the device gives the float64 logdet and inverse of I + αG, and the same gradient as the host path', () => {
  tf.setBackend('cpu');
  const rng = new Rng(8);
  // [batch, m, rank of G, α]: a small case, and the sizes training meets, whose pivots reach
  // thousands (I + αG of LayerNorm'd tokens: α = d/(Nε²), diagonal 1 + αd), one of rank < m.
  for (const [b, m, k, alpha] of [[3, 9, 5, 2], [2, 48, 64, 50], [1, 40, 12, 300]]) {
    const a = rng.fill(new Float32Array(b * m * k), () => rng.normal());
    const gram = tf.matMul(tf.tensor(a, [b, m, k]), tf.tensor(a, [b, m, k]), false, true);
    const spd = tf.eye(m).reshape([1, m, m]).add(gram.mul(alpha));
    const host = Float64Array.from(spd.dataSync());
    const { logdet, inverse } = logdetAndInverse(spd);
    const inv = inverse.dataSync();
    logdet.dataSync().forEach((got, i) => {
      const want = logdetSpd(host.subarray(i * m * m, (i + 1) * m * m), m);
      assert.ok(Math.abs(got - want) <= 1e-5 * Math.abs(want), `${m}×${m} matrix ${i}: logdet ${got} vs ${want}`);
      const wantInv = inverseSpd(host.subarray(i * m * m, (i + 1) * m * m), m);
      const err = Math.hypot(...Array.from(wantInv, (x, j) => inv[i * m * m + j] - x)) / Math.hypot(...wantInv);
      // float32 elimination: forward error ~ κ·2⁻²⁴, κ ≈ 3·10³ in the rank-deficient case (measured 3.3e-4).
      assert.ok(err <= 2e-3, `${m}×${m} matrix ${i}: inverse differs by ${err} (relative, Frobenius)`);
    });
    const dy = tf.tensor(Float32Array.from({ length: b }, () => rng.normal()));
    const [onHost] = tf.grads((x: Tensor) => batchLogdetOnHost(x).mul(dy).sum())([spd]);
    const [onDevice] = tf.grads((x: Tensor) => batchLogdetOnDevice(x).mul(dy).sum())([spd]);
    const h = onHost.dataSync();
    const err = Math.hypot(...Array.from(onDevice.dataSync(), (g, j) => g - h[j])) / Math.hypot(...h);
    assert.ok(err <= 2e-3, `${m}×${m}: gradients differ by ${err} (relative, Frobenius)`);
  }
});

test('the gradients of sum and mean make their ones on the device (a Fill kernel), not in host memory', async () => {
  const x = tf.tensor(Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)), [2, 3, 4]);
  const dy = tf.tensor(Float32Array.from({ length: 2 * 4 }, (_, i) => i + 1), [2, 4]);
  for (const [name, reduce, scale] of [['sum', (t: Tensor) => t.sum(1), 1], ['mean', (t: Tensor) => t.mean(1), 1 / 3]] as const) {
    let grad: Float32Array = new Float32Array(0);
    const profile = await tf.profile(() => {
      const g = tf.grad(reduce)(x, dy);
      grad = g.dataSync() as Float32Array;
      g.dispose();
    });
    // tfjs's own gradients multiply dy by ones(x.shape) built on the host each pass (no kernel).
    assert.ok(profile.kernelNames.includes('Fill'), `${name}'s gradient ran ${profile.kernelNames.join(', ')}: no Fill kernel made its ones`);
    // ∂/∂x[b, n, d] of ⟨dy, reduce(x)⟩ is dy[b, d] (÷ 3 for the mean over n), the same float as tfjs's.
    for (let b = 0; b < 2; b++) {
      for (let n = 0; n < 3; n++) for (let d = 0; d < 4; d++) assert.equal(grad[(b * 3 + n) * 4 + d], Math.fround(Math.fround(b * 4 + d + 1) / (1 / scale)), `${name} gradient at ${b}, ${n}, ${d}`);
    }
  }
  tf.dispose([x, dy]);
});
