// The optional SRR regularizer (docs/models.md, Metrics) in a real run: it trains, the value it adds to the loss
// (events' srrLoss) is the SRR study's weight · Σ_ℓ (Rc − R) computed independently, and it lowers
// Rc − R of the layers it regularizes compared with plain training from the same seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, modelShape } from '../trainer/config/index.js';
import { openDataset } from '../trainer/data/openDataset.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import type { RunEvent } from '../trainer/run/format.js';
import { Rng } from '../trainer/random/rng.js';
import { openFeed } from '../trainer/train/dataFeed.js';
import { type NaiveLayerTrace, naiveLogits } from './support/naiveModel.js';
import { naiveR, naiveRc } from './support/naiveMetrics.js';
import { events, exited, onlyRun, runInfo, spawnCli } from './support/runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-srr-'));
const weight = 0.05;
const steps = 12;

function config(name: string, srr: string): string {
  const file = join(tmp, `${name}.crate.yaml`);
  writeFileSync(
    file,
    `name: ${name}
seed: 1
backend: wasm
model: { arch: crate, depth: 2, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 64 }
optim: { batchSize: 32, maxSteps: ${steps} }
${srr}
introspect: { every: ${steps}, probeImages: 16 }
checkpoint: { every: ${steps} }
`,
  );
  return file;
}

interface Trained {
  config: string;
  runDir: string;
  scalars: Array<Extract<RunEvent, { type: 'scalars' }>>;
  /** Rc − R per layer on the probe images after the last step. */
  gap: number[];
  weights: Buffer;
}

async function trainRun(name: string, srr: string): Promise<Trained> {
  const file = config(name, srr);
  const runsDir = join(tmp, name);
  const r = await exited(spawnCli(['train', file, '--runs-dir', runsDir]));
  assert.equal(r.code, 0, r.stderr);
  const runDir = onlyRun(runsDir)!;
  assert.equal(runInfo(runDir).status, 'completed');
  const all = events(runDir);
  const layers = all.flatMap((e) => (e.type === 'layers' && e.step === steps ? [e] : []));
  assert.equal(layers.length, 1, 'one layers event at the last step');
  return {
    config: file,
    runDir,
    scalars: all.flatMap((e) => (e.type === 'scalars' ? [e] : [])),
    gap: layers[0].layers.map((l) => l.Rc - l.R),
    weights: readFileSync(join(runDir, 'checkpoints', `step-${String(steps).padStart(8, '0')}`, 'weights.safetensors')),
  };
}

const runs = (async () => ({
  plain: await trainRun('plain', ''),
  fixed: await trainRun('fixed', `srr: { weight: ${weight}, layers: [0, 1] }`),
  random: await trainRun('random', `srr: { weight: ${weight}, layers: random }`),
}))();

test('training with the SRR regularizer (fixed and random layers) completes, logs srrLoss and accuracy, and differs from plain training', async () => {
  const { plain, fixed, random } = await runs;
  for (const run of [plain, fixed, random]) {
    assert.deepEqual(run.scalars.map((e) => e.step), Array.from({ length: steps }, (_, i) => i + 1));
    for (const e of run.scalars) {
      assert.ok(Number.isFinite(e.loss), `loss ${e.loss} at step ${e.step}`);
      // The batch has 32 images: accuracy is a multiple of 1/32 in [0, 1].
      assert.ok(e.accuracy !== undefined && e.accuracy >= 0 && e.accuracy <= 1 && Number.isInteger(e.accuracy * 32), `accuracy ${e.accuracy} at step ${e.step}`);
    }
  }
  assert.ok(plain.scalars.every((e) => e.srrLoss === undefined), 'plain training logs no srrLoss');
  for (const run of [fixed, random]) assert.ok(run.scalars.every((e) => Number.isFinite(e.srrLoss)), 'every regularized step logs srrLoss');
  assert.ok(!fixed.weights.equals(plain.weights), 'the regularizer changed nothing');
  assert.ok(!random.weights.equals(fixed.weights), 'random layers trained like fixed ones');
});

test('srrLoss of the first step is weight · Σ_ℓ mean (Rc − R) of the batch (float64, independently) and the rest of the loss is the plain cross-entropy', async () => {
  const { plain, fixed } = await runs;
  // Step 1 runs on the initial weights and the first batch: both recomputed here.
  const { config: c } = loadConfigFile(fixed.config);
  const shape = modelShape(c.model);
  const feed = openFeed(await openDataset(c.data, 'train'), await openDataset(c.data, 'test'), c);
  const batch = feed.trainBatch(0);
  feed.close();
  const host = initializeParameters(shape, new Rng(c.seed));
  const traces: NaiveLayerTrace[][] = [];
  const logits = naiveLogits(host, shape, batch.images, traces);
  let want = 0;
  for (const l of [0, 1]) {
    const wqkv = host.get(`transformer.layers.${l}.0.fn.qkv.weight`)!.data;
    const gaps = traces.map((t) => naiveRc(t[l].z, wqkv, shape.heads, c.srr.eps) - naiveR(t[l].z, c.srr.eps));
    want += gaps.reduce((a, b) => a + b, 0) / gaps.length;
  }
  want *= weight;
  const got = fixed.scalars[0].srrLoss!;
  assert.ok(Math.abs(got - want) <= 1e-4 * Math.abs(want), `srrLoss ${got}, independently ${want}`);

  // With label smoothing ε the target is (1 − ε)·onehot + ε/K.
  const eps = c.optim.labelSmoothing;
  const crossEntropy = logits.reduce((sum, row, i) => {
    const top = Math.max(...row);
    const logSum = top + Math.log(row.reduce((a, v) => a + Math.exp(v - top), 0));
    const meanLogit = row.reduce((a, v) => a + v, 0) / row.length;
    return sum + logSum - (1 - eps) * row[batch.labels[i]] - eps * meanLogit;
  }, 0) / logits.length;
  assert.ok(Math.abs(plain.scalars[0].loss - crossEntropy) <= 1e-5 * crossEntropy, `plain loss ${plain.scalars[0].loss}, cross-entropy ${crossEntropy}`);
  const rest = fixed.scalars[0].loss - got;
  assert.ok(Math.abs(rest - crossEntropy) <= 1e-5 * crossEntropy, `loss − srrLoss ${rest}, cross-entropy ${crossEntropy}`);
  const accuracy = logits.filter((row, i) => row.indexOf(Math.max(...row)) === batch.labels[i]).length / logits.length;
  assert.equal(fixed.scalars[0].accuracy, accuracy, 'training accuracy of the first batch');
});

test('the regularizer lowers Rc − R of the regularized layers (the SRR study maximizes the rate reduction R − Rc)', async () => {
  const { plain, fixed } = await runs;
  for (const l of [0, 1]) {
    // Measured: plain −4.59 / −8.18, regularized −5.52 / −9.08 after 12 steps.
    assert.ok(fixed.gap[l] < plain.gap[l] - 0.2, `layer ${l}: Rc − R ${fixed.gap[l]} with the regularizer, ${plain.gap[l]} without`);
  }
});
