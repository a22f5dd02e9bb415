// What a run evaluates (docs/run-directory.md, eval events): the held-out set, named for what it is
// (validation or test), and at the same weights a fixed training subset, evaluated as plain
// cross-entropy (no augmentation, label smoothing, regularizer or dropout): checked against the
// naive float64 model on the checkpoint's weights. Every completed run ends with a test evaluation;
// the generalization gap is held-out − training-subset at the same step; dropout is on in training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, modelShape } from '../trainer/config/index.js';
import { openDataset } from '../trainer/data/openDataset.js';
import { trainSubset, validationSplit } from '../trainer/data/split.js';
import { readSafetensors } from '../trainer/io/safetensors.js';
import type { RunEvent } from '../trainer/run/format.js';
import { naiveLogits } from './support/naiveModel.js';
import { events, exited, onlyRun, runInfo, spawnCli } from './support/runs.js';
import { decodedSidecar, expectedSidecar } from './support/scalarsSidecar.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-eval-'));
const steps = 12;

/** A tiny run with everything that must stay out of an evaluation turned on: augmentation, label smoothing, the SRR term, dropout. */
async function train(name: string, { validationFraction = 0.25, dropout = 0.3, maxSteps = steps } = {}): Promise<string> {
  const file = join(tmp, `${name}.crate.yaml`);
  writeFileSync(
    file,
    `name: ${name}
seed: 4
backend: wasm
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2, dropout: ${dropout} }
data: { kind: synthetic-subspaces, trainSize: 128, testSize: 24, validationFraction: ${validationFraction}, normalize: false, augment: { cropPadding: 1, flip: true } }
optim: { batchSize: 16, maxSteps: ${maxSteps}, warmup: 2, labelSmoothing: 0.2 }
srr: { weight: 0.5 }
eval: { every: 5 }
introspect: { every: 0 }
checkpoint: { every: 6 }
`,
  );
  const runsDir = join(tmp, name);
  const done = await exited(spawnCli(['train', file, '--runs-dir', runsDir]));
  assert.equal(done.code, 0, done.stderr);
  const runDir = onlyRun(runsDir)!;
  assert.equal(runInfo(runDir).status, 'completed');
  return runDir;
}

type EvalEvent = Extract<RunEvent, { type: 'eval' }>;
const evalsOf = (runDir: string): EvalEvent[] => events(runDir).filter((e): e is EvalEvent => e.type === 'eval');

/** Mean cross-entropy (no smoothing) and accuracy of the naive float64 model with the run's final weights on these examples. */
async function plainFigures(runDir: string, split: 'train' | 'test', indices: number[]): Promise<{ loss: number; accuracy: number }> {
  const { config } = loadConfigFile(join(runDir, 'config.yaml'));
  const weights = readSafetensors(join(runDir, 'checkpoints', `step-${String(steps).padStart(8, '0')}`, 'weights.safetensors')).tensors;
  const data = await openDataset(config.data, split);
  const { images, labels } = data.read(indices);
  data.close();
  const logits = naiveLogits(weights, modelShape(config.model), images);
  let loss = 0;
  let correct = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    loss += logSum - row[labels[i]];
    correct += row.indexOf(max) === labels[i] ? 1 : 0;
  });
  return { loss: loss / indices.length, accuracy: correct / indices.length };
}

function assertClose(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${what}: ${got}, independently ${want}`);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('validation split: each evaluation has the validation set and the training subset at the same weights, plain cross-entropy; a test evaluation ends the run', async () => {
  const runDir = await train('validated');
  const evals = evalsOf(runDir);
  assert.deepEqual(
    evals.map((e) => [e.step, e.split, e.examples, e.train?.examples]),
    [
      [5, 'validation', 32, 32],
      [10, 'validation', 32, 32],
      [12, 'validation', 32, 32],
      [12, 'test', 24, undefined],
    ],
  );
  // The test evaluation is the run's last record before it completes.
  const all = events(runDir);
  const lastEval = all.map((e) => e.type).lastIndexOf('eval');
  assert.equal((all[lastEval] as EvalEvent).split, 'test');
  assert.deepEqual(all.slice(lastEval + 1).map((e) => e.type).filter((t) => t !== 'log'), ['checkpoint', 'status']);

  // The final figures, independently: the naive model, the final checkpoint's weights, the examples as stored.
  const { train: trainIndices, validation } = validationSplit(128, 0.25, 4);
  const subset = Array.from(trainSubset(trainIndices, validation.length, 4));
  const [final, test] = [evals[2], evals[3]];
  const trainWant = await plainFigures(runDir, 'train', subset);
  assertClose(final.train!.loss, trainWant.loss, 'training subset loss');
  assert.equal(final.train!.accuracy, trainWant.accuracy, 'training subset accuracy');
  const validationWant = await plainFigures(runDir, 'train', Array.from(validation));
  assertClose(final.loss, validationWant.loss, 'validation loss');
  assert.equal(final.accuracy, validationWant.accuracy, 'validation accuracy');
  const testWant = await plainFigures(runDir, 'test', range(24));
  assertClose(test.loss, testWant.loss, 'test loss');
  assert.equal(test.accuracy, testWant.accuracy, 'test accuracy');

  // The gap at each evaluation: held-out − training subset (loss), training − held-out (accuracy), in scalars.bin as float32.
  const decoded = decodedSidecar(runDir);
  assert.deepEqual(decoded, expectedSidecar(runDir));
  const columns = decoded!.byKind.eval.columns;
  assert.deepEqual(columns['gap.loss'], [...evals.slice(0, 3).map((e) => Math.fround(e.loss - e.train!.loss)), null]);
  assert.deepEqual(columns['gap.accuracy'], [...evals.slice(0, 3).map((e) => Math.fround(e.train!.accuracy - e.accuracy)), null]);
  assert.deepEqual(columns['test.loss'], [null, null, null, Math.fround(test.loss)]);
  assert.ok(Math.abs(validationWant.loss - trainWant.loss - columns['gap.loss']![2]!) < 1e-4, 'the final gap from the independent figures');
});

test('no validation split: every evaluation is of the test set (named so), with the training subset as large; the last is the final test evaluation', async () => {
  const runDir = await train('tested', { validationFraction: 0 });
  const evals = evalsOf(runDir);
  assert.deepEqual(
    evals.map((e) => [e.step, e.split, e.examples, e.train?.examples]),
    [
      [5, 'test', 24, 24],
      [10, 'test', 24, 24],
      [12, 'test', 24, 24],
    ],
  );
  const subset = Array.from(trainSubset(Int32Array.from(range(128)), 24, 4));
  assertClose(evals[2].train!.loss, (await plainFigures(runDir, 'train', subset)).loss, 'training subset loss');
  assertClose(evals[2].loss, (await plainFigures(runDir, 'test', range(24))).loss, 'test loss');
});

test('dropout is on while training: the first step’s loss differs from the same run without it', async () => {
  const firstLoss = (runDir: string): number => (events(runDir).find((e) => e.type === 'scalars') as { loss: number }).loss;
  const withDropout = await train('dropout-on', { maxSteps: 1 });
  const without = await train('dropout-off', { maxSteps: 1, dropout: 0 });
  assert.notEqual(firstLoss(withDropout), firstLoss(without));
});
