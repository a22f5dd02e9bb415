// The complexity measures of docs/models.md (trainer/study/measures/) against independent
// computations: spectral norms against a one-sided Jacobi SVD and matrices of known singular
// values, the norm sums against plain loops, path-norm and the margins against the float64 model
// of test/support/naiveModel.ts, the SRR measure against test/support/naiveMetrics.ts; and
// measures.json written, read back and refused when damaged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../trainer/tf.js';
import { type ArchId, type ModelShape, resolveShape } from '../trainer/model/architecture.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { toParams } from '../trainer/model/params.js';
import { Rng } from '../trainer/random/rng.js';
import { largestEigenvalue, spectralNorm, tridiagonalize } from '../trainer/study/measures/spectralNorm.js';
import { normMeasures } from '../trainer/study/measures/normMeasures.js';
import { weightMatrices, weightMatrixNames, type WeightMatrix } from '../trainer/study/measures/weightMatrices.js';
import { pathNorm } from '../trainer/study/measures/pathNorm.js';
import { inverseMarginSquared, modelMargins, outputMargins, tenthPercentileMargin } from '../trainer/study/measures/margin.js';
import { srrMeasure } from '../trainer/study/measures/srrMeasure.js';
import { computeComplexityMeasures, writeComplexityMeasures } from '../trainer/study/complexityMeasures.js';
import { readMeasuresFile } from '../trainer/study/measuresFile.js';
import { type NaiveLayerTrace, naiveLogits } from './support/naiveModel.js';
import { naiveR, naiveRc } from './support/naiveMetrics.js';

/** All singular values of a (rows × cols) by Hestenes' one-sided Jacobi: rotate column pairs until orthogonal; σ = the column norms. */
function jacobiSingularValues(m: WeightMatrix): number[] {
  // Work on the wider-than-tall side's transpose so that columns ≤ rows.
  const tall = m.rows >= m.cols;
  const r = tall ? m.rows : m.cols;
  const c = tall ? m.cols : m.rows;
  const a = Array.from({ length: c }, (_, j) => Float64Array.from({ length: r }, (_, i) => (tall ? m.data[i * m.cols + j] : m.data[j * m.cols + i])));
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < c; p++) {
      for (let q = p + 1; q < c; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < r; i++) {
          alpha += a[p][i] ** 2;
          beta += a[q][i] ** 2;
          gamma += a[p][i] * a[q][i];
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const cs = 1 / Math.sqrt(1 + t * t);
        const sn = cs * t;
        for (let i = 0; i < r; i++) {
          const x = a[p][i];
          const y = a[q][i];
          a[p][i] = cs * x - sn * y;
          a[q][i] = sn * x + cs * y;
        }
      }
    }
    if (!rotated) break;
  }
  return a.map((col) => Math.sqrt(col.reduce((s, v) => s + v * v, 0))).sort((x, y) => y - x);
}

/** A Householder reflection I − 2vvᵀ/‖v‖² of size n, row-major. */
function householder(n: number, rng: Rng): Float64Array {
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const vv = v.reduce((s, x) => s + x * x, 0);
  return Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0) - (2 * v[Math.floor(k / n)] * v[k % n]) / vv);
}

/** H₁ · diag(s) · H₂ (rows × cols): singular values exactly s. */
function withSingularValues(rows: number, cols: number, s: number[], rng: Rng): WeightMatrix {
  const h1 = householder(rows, rng);
  const h2 = householder(cols, rng);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      let v = 0;
      for (let k = 0; k < s.length; k++) v += h1[i * rows + k] * s[k] * h2[k * cols + j];
      data[i * cols + j] = v;
    }
  }
  return { name: 'known', rows, cols, data };
}

function randomMatrix(rows: number, cols: number, rng: Rng): WeightMatrix {
  return { name: `random ${rows}×${cols}`, rows, cols, data: rng.fill(new Float32Array(rows * cols), () => rng.normal()) };
}

test('spectral norm: matrices of known singular values, and random ones against a one-sided Jacobi SVD', () => {
  const rng = new Rng(3);
  // Householder factors in float32 round the singular values at ~1e-7.
  for (const [rows, cols, s] of [
    [6, 4, [5, 2, 1, 0.5]],
    [3, 7, [0.75, 0.7, 0.1]],
    [5, 5, [2, 2, 2, 1, 0]], // repeated top singular value
    [8, 8, [1, 0.999, 0.998, 0.5, 0.5, 0.1, 0, 0]], // nearly repeated
  ] as const) {
    const m = withSingularValues(rows, cols, [...s], rng);
    const got = spectralNorm(m);
    assert.ok(Math.abs(got - s[0]) <= 1e-6 * s[0], `${rows}×${cols}: ${got}, known ${s[0]}`);
  }
  for (const [rows, cols] of [[7, 5], [5, 7], [1, 6], [6, 1], [24, 96], [48, 48]]) {
    const m = randomMatrix(rows, cols, rng);
    const want = jacobiSingularValues(m)[0];
    const got = spectralNorm(m);
    assert.ok(Math.abs(got - want) <= 1e-12 * want, `${m.name}: ${got}, Jacobi SVD ${want}`);
  }
  assert.equal(spectralNorm({ name: 'zero', rows: 3, cols: 2, data: new Float32Array(6) }), 0);
});

test('the largest eigenvalue of Q diag(λ) Qᵀ, and a tridiagonal form with the same trace and Frobenius norm', () => {
  const rng = new Rng(5);
  const symmetric = (lambda: number[]): Float64Array => {
    const n = lambda.length;
    const q = householder(n, rng);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q[i * n + k] * lambda[k] * q[j * n + k];
    return a;
  };
  for (const lambda of [[9, 7.5, 7.5, 3, 1, 0.25, 0, 0, 0], [4, 4, 4, 1], [-1, -2, -0.5], [1e-9, 0, 0, 0, 0, 0], [2.5], [3, 3]]) {
    const n = lambda.length;
    const a = symmetric(lambda);
    const want = Math.max(...lambda);
    const got = largestEigenvalue(a, n);
    assert.ok(Math.abs(got - want) <= 1e-13 * Math.max(...lambda.map(Math.abs)), `[${lambda}]: ${got}, known ${want}`);
    const { d, e } = tridiagonalize(a, n);
    let trace = 0;
    let fro = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i];
      for (let j = 0; j < n; j++) fro += a[i * n + j] ** 2;
    }
    assert.ok(Math.abs(d.reduce((s, x) => s + x, 0) - trace) < 1e-12 * (1 + Math.abs(trace)), 'trace');
    assert.ok(Math.abs(d.reduce((s, x) => s + x * x, 0) + 2 * e.reduce((s, x) => s + x * x, 0) - fro) < 1e-12 * (1 + fro), 'Frobenius norm');
  }
});

test('the weight matrices: every linear map\'s stored matrix once, no biases, norms or additive embeddings', () => {
  const s = (arch: ArchId): ModelShape => resolveShape(arch, undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 1, heads: 2, classes: 3 });
  const l = 'transformer.layers.0';
  assert.deepEqual(weightMatrixNames(s('crate')), ['to_patch_embedding.2.weight', `${l}.0.fn.qkv.weight`, `${l}.0.fn.to_out.0.weight`, `${l}.1.fn.weight`, 'mlp_head.1.weight']);
  assert.deepEqual(weightMatrixNames(s('crate-c')), ['to_patch_embedding.2.weight', `${l}.0.fn.qkv.weight`, `${l}.1.fn.weight`, 'mlp_head.1.weight']);
  assert.deepEqual(weightMatrixNames(s('crate-alpha')), ['conv1.weight', `${l}.0.fn.qkv.weight`, `${l}.0.fn.to_out.0.weight`, `${l}.1.fn.D`, `${l}.1.fn.D1`, 'mlp_head.1.weight']);
  assert.deepEqual(weightMatrixNames(s('vit')), ['to_patch_embedding.2.weight', `${l}.0.fn.to_qkv.weight`, `${l}.0.fn.to_out.0.weight`, `${l}.1.fn.net.0.weight`, `${l}.1.fn.net.3.weight`, 'mlp_head.1.weight']);
});

const tiny = (arch: ArchId): ModelShape => resolveShape(arch, undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3 });

function tinyModel(arch: ArchId, seed = 11) {
  const shape = tiny(arch);
  const host = initializeParameters(shape, new Rng(seed));
  // Larger than the default init, so that the blocks do more than pass their input through.
  for (const t of host.values()) if (t.data.some((v) => v !== 0 && v !== 1)) t.data.forEach((v, i) => (t.data[i] = v * 3));
  return { shape, host, params: toParams(host) };
}

test('ℓ2, sum-of-spec and prod-of-spec over a model\'s weight matrices, against loops over the tensors and the Jacobi SVD', async () => {
  await tf.setBackend('cpu');
  for (const arch of ['crate', 'crate-alpha', 'vit'] as const) {
    const { shape, host, params } = tinyModel(arch);
    const got = normMeasures(await weightMatrices(shape, params));
    let l2 = 0;
    let sum = 0;
    let logProd = 0;
    for (const name of weightMatrixNames(shape)) {
      const t = host.get(name)!;
      for (const v of t.data) l2 += v * v;
      const sigma = jacobiSingularValues({ name, rows: t.shape[0], cols: t.data.length / t.shape[0], data: t.data })[0];
      sum += sigma ** 2;
      logProd += 2 * Math.log(sigma);
    }
    assert.ok(Math.abs(got.l2 - l2) <= 1e-12 * l2, `${arch} ℓ2 ${got.l2} vs ${l2}`);
    assert.ok(Math.abs(got.sumOfSpec - sum) <= 1e-9 * sum, `${arch} sum-of-spec ${got.sumOfSpec} vs ${sum}`);
    assert.ok(Math.abs(got.logProdOfSpec - logProd) <= 1e-9 * Math.abs(logProd), `${arch} log prod-of-spec ${got.logProdOfSpec} vs ${logProd}`);
    tf.dispose(Object.values(params));
  }
});

test('path-norm: the float64 model with every parameter squared, on an all-ones image, summed over classes', async () => {
  await tf.setBackend('cpu');
  for (const arch of ['crate', 'crate-t', 'crate-alpha'] as const) {
    const { shape, host, params } = tinyModel(arch);
    const squared = new Map([...host].map(([k, t]) => [k, { shape: t.shape, data: t.data.map((v) => v * v) }]));
    const want = naiveLogits(squared, shape, new Float32Array(shape.channels * shape.image * shape.image).fill(1))[0].reduce((a, b) => a + b, 0);
    const got = await pathNorm(shape, params);
    assert.ok(Math.abs(got - want) <= 1e-4 * Math.abs(want), `${arch}: ${got} vs ${want}`);
    tf.dispose(Object.values(params));
  }
});

test('the output margin: hand-computed logits, the 10th percentile and 1/γ²; the model\'s margins against the float64 model', async () => {
  // Rows: correct class 0, 2, 1.
  assert.deepEqual(outputMargins([3, 1, 2, /**/ 0, 5, 4, /**/ -1, -2, -3], [0, 2, 1], 3), [1, -1, -1]);
  // m = 25 → k = ⌊25/10⌋ = 2: the second smallest.
  assert.equal(tenthPercentileMargin(Array.from({ length: 25 }, (_, i) => 25 - i)), 2);
  // m < 10 → the smallest.
  assert.equal(tenthPercentileMargin([0.5, 0.25, 3]), 0.25);
  assert.equal(inverseMarginSquared(0.5), 4);
  assert.equal(inverseMarginSquared(0), null);
  assert.equal(inverseMarginSquared(-1), null);

  await tf.setBackend('cpu');
  const { shape, host, params } = tinyModel('crate');
  const rng = new Rng(2);
  const n = 13;
  const images = rng.fill(new Float32Array(n * 64), () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const logits = naiveLogits(host, shape, images);
  const want = logits.map((row, i) => row[labels[i]] - Math.max(...row.filter((_, c) => c !== labels[i])));
  const got = await modelMargins(shape, params, images, labels, 5); // batches of 5: 5, 5, 3
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-4, `image ${i}: ${g} vs ${want[i]}`));
  tf.dispose(Object.values(params));
});

test('the whole-network SRR measure: the mean over layers of density + Rc − R (float64 naive metrics), averaged over the images', async () => {
  await tf.setBackend('cpu');
  const { shape, host, params } = tinyModel('crate');
  const rng = new Rng(4);
  const n = 5;
  const images = rng.fill(new Float32Array(n * 64), () => rng.normal());
  const traces: NaiveLayerTrace[][] = [];
  naiveLogits(host, shape, images, traces);
  const eps = 0.5;
  const perLayer = Array.from({ length: shape.depth }, (_, l) => {
    const wqkv = host.get(`transformer.layers.${l}.0.fn.qkv.weight`)!.data;
    const values = traces.map((t) => {
      const code = t[l].code.flatMap((v) => Array.from(v));
      const density = code.filter((v) => v !== 0).length / code.length;
      return density + naiveRc(t[l].z, wqkv, shape.heads, eps) - naiveR(t[l].z, eps);
    });
    return values.reduce((a, b) => a + b, 0) / values.length;
  });
  const got = await srrMeasure(shape, params, images, n, eps, 2);
  got.perLayer.forEach((v, l) => assert.ok(Math.abs(v - perLayer[l]) <= 1e-3 * Math.abs(perLayer[l]), `layer ${l}: ${v} vs ${perLayer[l]}`));
  const want = perLayer.reduce((a, b) => a + b, 0) / perLayer.length;
  assert.ok(Math.abs(got.value - want) <= 1e-3 * Math.abs(want), `${got.value} vs ${want}`);
  tf.dispose(Object.values(params));
});

test('measures.json: written atomically with a version, read back, and refused when damaged or of another version', async () => {
  await tf.setBackend('cpu');
  const { shape, params } = tinyModel('crate');
  const rng = new Rng(9);
  const images = rng.fill(new Float32Array(20 * 64), () => rng.normal());
  const data = { images, labels: Int32Array.from({ length: 20 }, (_, i) => i % 3), count: 20, srrCount: 4 };
  const dir = mkdtempSync(join(tmpdir(), 'crate-measures-'));
  const written = await writeComplexityMeasures(dir, shape, params, data, { step: 7, checkpoint: 'step-00000007', computedBy: 'trainer' });
  const again = await computeComplexityMeasures(shape, params, data, { step: 7, computedBy: 'trainer' });
  tf.dispose(Object.values(params));
  assert.deepEqual(readMeasuresFile(dir), written);
  assert.equal(written.version, 1);
  assert.deepEqual(written.data, { images: 20, srrImages: 4, codingRateEps: 0.5 });
  assert.deepEqual(again.measures, written.measures, 'the measures are a function of weights and data');
  assert.equal(written.matrices.length, weightMatrixNames(shape).length);
  const file = join(dir, 'measures.json');
  const record = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...record, version: 2 }));
  assert.throws(() => readMeasuresFile(dir), /measures\.json has version 2; this crate-lab reads version 1/);
  writeFileSync(file, JSON.stringify({ ...record, measures: { ...record.measures, l2: 'big' } }));
  assert.throws(() => readMeasuresFile(dir), /measures\.json is damaged: measures\.l2: /);
  writeFileSync(file, '{"version": 1, ');
  assert.throws(() => readMeasuresFile(dir), /measures\.json is not JSON/);
  assert.equal(readMeasuresFile(mkdtempSync(join(tmpdir(), 'crate-measures-'))), undefined);
});
