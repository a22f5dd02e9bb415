// Gradient checks: tfjs autodiff (float32) through MSSA, ODL and ISTA, and the custom gradient of
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
import { rateReductionGap } from '../trainer/metrics/srrRegularizer.js';
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

// Blocks, by the parameters that only they use.
const cases: Array<{ arch: ArchId; block: string; names: string[] }> = [
  { arch: 'crate-alpha', block: 'MSSA', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.1.0.fn.to_out.0.weight'] },
  { arch: 'crate-alpha', block: 'ODL', names: ['transformer.layers.0.1.fn.D', 'transformer.layers.1.1.fn.D1', 'transformer.layers.1.1.norm.weight'] },
  { arch: 'crate', block: 'MSSA', names: ['transformer.layers.0.0.fn.qkv.weight', 'transformer.layers.0.0.fn.to_out.0.bias'] },
  { arch: 'crate', block: 'ISTA', names: ['transformer.layers.0.1.fn.weight', 'transformer.layers.1.1.fn.weight'] },
  { arch: 'crate-t', block: 'MSSA (tied, transposed)', names: ['transformer.layers.1.0.fn.qkv.weight'] },
];

for (const c of cases) {
  test(`gradient of ${c.arch} through ${c.block} matches finite differences`, () => {
    tf.setBackend('cpu');
    const shape = resolveShape(c.arch, undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3 });
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
    c.names.forEach((name, i) => {
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
    tf.dispose([x, ...grads, ...Object.values(p)]);
  });
}

test('gradient of the Rc − R regularizer matches finite differences (both Gram orientations)', () => {
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
    const [gz, gw] = tf.grads((zt: Tensor, wq: Tensor) => rateReductionGap(zt, wq, heads).mul(wt).sum())([tf.tensor(z, [b, n, d]), tf.tensor(w, [d, d])]);
    for (const [data, g] of [[z, gz.dataSync()], [w, gw.dataSync()]] as const) {
      const v = Float64Array.from({ length: data.length }, () => rng.normal());
      const fd = directionalFd(objective, data, v, 1e-4);
      const ad = dot(g, v);
      assert.ok(Math.abs(ad - fd) <= 1e-3 * Math.max(1, Math.abs(fd)), `autodiff ${ad} vs finite differences ${fd}`);
    }
    // The value itself equals the float64 metric.
    const value = dot(rateReductionGap(tf.tensor(z, [b, n, d]), tf.tensor(w, [d, d]), heads).dataSync(), weights);
    assert.ok(Math.abs(value - objective()) <= 1e-4 * Math.max(1, Math.abs(objective())));
  }
});
