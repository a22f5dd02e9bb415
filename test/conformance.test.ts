// The reference cases (../shared/reference) on every backend that runs here: logits to 1e-4,
// attention to 1e-4, metrics to 1e-3 relative (docs/models.md), in-process and through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../trainer/tf.js';
import { type BackendName, initBackend } from '../trainer/backend/select.js';
import { readNpy } from '../trainer/io/npy.js';
import { forward } from '../trainer/model/forward.js';
import { loadCheckpoint } from '../trainer/model/loadCheckpoint.js';
import { attentionMaps, layerMetrics } from '../trainer/metrics/layerMetrics.js';
import { runCliJson } from './support/cli.js';
import { maxRelDiff, maxScaledDiff, referenceCases } from './support/reference.js';

// Every backend that loads on this machine; one that fails to load fails its tests.
const backends: BackendName[] = ['cpu', 'wasm', 'webgpu'];
const tmp = mkdtempSync(join(tmpdir(), 'crate-conformance-'));

interface MetricsJson {
  backend: string;
  layers: Array<{ R: number[]; Rc: number[]; codeZeroFraction: number; density: number; srr: number }>;
}

const cases = referenceCases();

// The loops below make no test for a case that is missing: the cases themselves are checked here.
test('the reference holds one case of each architecture, with a metric per layer and per image', () => {
  assert.deepEqual(cases.map((c) => c.expected.arch).sort(), ['crate', 'crate-alpha']);
  for (const c of cases) {
    assert.ok(c.expected.layers.length > 0, `${c.name}: no layers in expected.json`);
    const images = readNpy(c.input).shape[0];
    for (const l of c.expected.layers) assert.ok(l.R.length === images && l.Rc.length === images, `${c.name}: R and Rc per image`);
  }
});

for (const backend of backends) {
  for (const c of cases) {
    test(`${c.name} on ${backend}: logits, attention and metrics match the reference`, async () => {
      await initBackend(backend);
      assert.equal(tf.getBackend(), backend);
      const { shape, params } = loadCheckpoint(c.weights);
      const input = readNpy(c.input);
      const x = tf.tensor(input.data, input.shape);
      const result = forward(x, params, shape, { trace: true });
      const logits = await result.logits.data();
      assert.ok(maxScaledDiff(logits, readNpy(c.logits).data) <= 1e-4, `logits differ by ${maxScaledDiff(logits, readNpy(c.logits).data)}`);

      const attention = readNpy(c.attention); // (layer, image, head, N, N)
      const ours = new Float32Array(attention.data.length);
      let offset = 0;
      for (const l of result.layers) {
        const a = (await l.attention.data()) as Float32Array;
        ours.set(a, offset);
        offset += a.length;
      }
      assert.ok(maxScaledDiff(ours, attention.data) <= 1e-4, `attention differs by ${maxScaledDiff(ours, attention.data)}`);

      const metrics = await layerMetrics(result.layers, params, shape, c.expected.codingRateEps);
      assert.equal(metrics.length, c.expected.layers.length, 'a metrics record per layer');
      metrics.forEach((m, l) => {
        const e = c.expected.layers[l];
        assert.ok(maxRelDiff(m.R, e.R) <= 1e-3, `layer ${l} R: ${m.R} vs ${e.R}`);
        assert.ok(maxRelDiff(m.Rc, e.Rc) <= 1e-3, `layer ${l} Rc: ${m.Rc} vs ${e.Rc}`);
        assert.ok(maxRelDiff([m.codeZeroFraction], [e.codeZeroFraction]) <= 1e-3, `layer ${l} zeros: ${m.codeZeroFraction} vs ${e.codeZeroFraction}`);
        // Density and the SRR measure from the expected values, by their definitions (docs/models.md, Metrics).
        const meanGap = e.Rc.reduce((s, rc, i) => s + rc - e.R[i], 0) / e.R.length;
        assert.ok(Math.abs(m.density - (1 - e.codeZeroFraction)) <= 1e-3);
        assert.ok(Math.abs(m.srr - (1 - e.codeZeroFraction + meanGap)) <= 1e-3 * Math.abs(meanGap));
      });

      // CLS attention maps are the CLS rows over the patch tokens, per head.
      const maps = await attentionMaps(result.layers, shape);
      const n = attention.shape[3];
      const [layers, images, heads] = attention.shape;
      for (let l = 0; l < layers; l++) for (let i = 0; i < images; i++) for (let h = 0; h < heads; h++) {
        const row = (((l * images + i) * heads + h) * n + 0) * n;
        const k = (l * images + i) * heads + h;
        assert.ok(maxScaledDiff(maps.data.subarray(k * (n - 1), (k + 1) * (n - 1)), attention.data.subarray(row + 1, row + n)) <= 1e-4);
      }
      tf.dispose([x, result as unknown as tf.TensorContainer, ...Object.values(params)]);
    });

    test(`${c.name} on ${backend}: crate-lab infer and metrics match the reference`, () => {
      const infer = runCliJson<{ backend: string; logits: number[][] }>(['infer', '--checkpoint', c.weights, '--input', c.input, '--backend', backend]);
      assert.match(infer.backend, new RegExp(`^${backend}`));
      assert.ok(maxScaledDiff(infer.logits.flat(), readNpy(c.logits).data) <= 1e-4);
      const mapsFile = join(tmp, `${c.name}-${backend}.npy`);
      const m = runCliJson<MetricsJson>(['metrics', '--checkpoint', c.weights, '--input', c.input, '--backend', backend, '--attention-out', mapsFile]);
      assert.equal(m.layers.length, c.expected.layers.length, 'a metrics record per layer');
      m.layers.forEach((layer, l) => {
        assert.ok(maxRelDiff(layer.R, c.expected.layers[l].R) <= 1e-3);
        assert.ok(maxRelDiff(layer.Rc, c.expected.layers[l].Rc) <= 1e-3);
        assert.ok(maxRelDiff([layer.codeZeroFraction], [c.expected.layers[l].codeZeroFraction]) <= 1e-3);
      });
      const maps = readNpy(mapsFile);
      const att = readNpy(c.attention);
      const [layers, images, heads, n] = att.shape;
      const grid = Math.sqrt(n - 1);
      assert.deepEqual(maps.shape, [layers, images, heads, grid, grid]);
      const cls = new Float32Array(maps.data.length);
      for (let k = 0; k < layers * images * heads; k++) cls.set(att.data.subarray(k * n * n + 1, k * n * n + n), k * (n - 1));
      assert.ok(maxScaledDiff(maps.data, cls) <= 1e-4);
      if (backend === 'cpu') {
        // Images processed in chunks land in the same places of the maps file.
        const chunked = join(tmp, `${c.name}-chunked.npy`);
        runCliJson(['metrics', '--checkpoint', c.weights, '--input', c.input, '--backend', backend, '--batch', '3', '--attention-out', chunked]);
        assert.deepEqual(readNpy(chunked).data, maps.data);
      }
    });
  }
}
