// crate-lab study (issue 15, item 5): the table over hand-made run directories whose gaps and
// measures are known, where every τ is worked out independently (test/support/bruteKendall.ts);
// over real tiny training runs, whose measures it computes from the final checkpoint; sweeps as
// arguments; unfinished runs left out with the reason; other data sets and image sizes refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as runCliInProcess } from '../trainer/cli/dispatch.js';
import { readSafetensors } from '../trainer/io/safetensors.js';
import { weightMatrixNames } from '../trainer/study/measures/weightMatrices.js';
import { loadConfigFile, modelShape } from '../trainer/config/index.js';
import { openDataset } from '../trainer/data/openDataset.js';
import { measureChannelStats, normalize } from '../trainer/data/normalize.js';
import { validationSplit } from '../trainer/data/split.js';
import { bruteTauB } from './support/bruteKendall.js';
import { naiveLogits } from './support/naiveModel.js';
import { runCli } from './support/cli.js';
import { events, exited, spawnCli } from './support/runs.js';
import { type HandRun, handRun } from './support/handRuns.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-study-'));

async function study(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(['study', ...argv], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('the table over hand-made runs: each cell\'s τ, Ψ and n worked out independently', async () => {
  const parent = join(tmp, 'grid');
  // 2 batch sizes × 2 model types, and a third type at batch 32: gap = heldOut − mean(train).
  const specs: HandRun[] = [
    { name: 'a', batchSize: 32, arch: 'crate', heldOut: 1.0, train: [0.5, 0.3], measures: { srr: 1, l2: 4, inverseMargin: 2 } },
    { name: 'bb', batchSize: 64, arch: 'crate', heldOut: 1.2, train: [0.4, 0.4], measures: { srr: 2, l2: 3, inverseMargin: null } },
    { name: 'ccc', batchSize: 32, arch: 'crate-c', heldOut: 0.9, train: [0.1, 0.1], measures: { srr: 3, l2: 2, inverseMargin: 5 } },
    { name: 'dddd', batchSize: 64, arch: 'crate-c', heldOut: 0.5, train: [0.2, 0.2], measures: { srr: 4, l2: 1, inverseMargin: 1 } },
    { name: 'eeeee', batchSize: 32, arch: 'crate-n', heldOut: 2.0, train: [0.1, 0.3], measures: { srr: 5, l2: 0, inverseMargin: 3 } },
  ];
  const dirs = specs.map((s) => handRun(parent, s));
  const gaps = specs.map((s) => s.heldOut - mean(s.train)); // 0.6, 0.8, 0.8, 0.3, 1.8
  const r = await study(...dirs, '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.runs.map((x: { gap: { gap: number } }) => x.gap.gap), gaps);
  assert.deepEqual(out.leftOut, []);
  const row = (id: string) => out.rows.find((x: { measure: string }) => x.measure === id);
  const srr = row('srr');
  assert.equal(srr.overall.value, bruteTauB([1, 2, 3, 4, 5], gaps));
  assert.equal(srr.overall.runs, 5);
  // Batch size: the groups {a, bb} (crate) and {ccc, dddd} (crate-c); eeeee has no partner.
  const bs = mean([bruteTauB([1, 2], [gaps[0], gaps[1]])!, bruteTauB([3, 4], [gaps[2], gaps[3]])!]);
  assert.equal(srr.byHyperparameter.batchSize.value, bs);
  assert.deepEqual([srr.byHyperparameter.batchSize.runs, srr.byHyperparameter.batchSize.groups], [4, 2]);
  // Model type: at batch 32 {a, ccc, eeeee}, at 64 {bb, dddd}.
  const mt = mean([bruteTauB([1, 3, 5], [gaps[0], gaps[2], gaps[4]])!, bruteTauB([2, 4], [gaps[1], gaps[3]])!]);
  assert.ok(Math.abs(srr.byHyperparameter.modelType.value - mt) < 1e-12);
  assert.equal(srr.byHyperparameter.learningRate.value, null);
  assert.equal(srr.byHyperparameter.dropout.value, null);
  assert.ok(Math.abs(srr.psi.value - (bs + mt) / 2) < 1e-12);
  // The runs' names and introspect.every differ: not model settings, they split no group.
  const l2 = row('l2');
  assert.equal(l2.overall.value, bruteTauB([4, 3, 2, 1, 0], gaps));
  // 1/margin is undefined for bb: it leaves that row only.
  const im = row('inverseMargin');
  assert.equal(im.overall.runs, 4);
  assert.equal(im.overall.value, bruteTauB([2, 5, 1, 3], [gaps[0], gaps[2], gaps[3], gaps[4]]));
  assert.equal(im.byHyperparameter.batchSize.groups, 1);

  // The same table as text, CSV and LaTeX.
  const text = await study(...dirs);
  assert.equal(text.code, 0);
  const srrLine = text.stdout.split('\n').find((l) => l.startsWith('SRR'))!;
  assert.match(srrLine, new RegExp(`${bs.toFixed(3)} \\[[-0-9.]+, [-0-9.]+\\] \\(n=4/2g\\)`));
  assert.match(text.stdout, /^1\/margin: undefined for 1 of the runs, whose 10th-percentile margin γ ≤ 0 .*: bb\.$/m);
  const csv = (await study(...dirs, '--format', 'csv')).stdout.trim().split('\n').map((l) => l.split(','));
  assert.equal(csv.length, 1 + 6);
  const header = csv[0];
  const csvSrr = csv.find((l) => l[0] === 'SRR')!;
  assert.equal(Number(csvSrr[header.indexOf('overall τ')]), srr.overall.value);
  assert.equal(csvSrr[header.indexOf('learning rate')], '');
  const latex = (await study(...dirs, '--format', 'latex')).stdout;
  assert.match(latex, /^\\begin\{tabular\}\{lcccccc\}/);
  assert.match(latex, new RegExp(`^SRR & \\$${bs.toFixed(3)}\\$`, 'm'));
});

test('unfinished runs are left out with the reason; a sweep folder stands for its members\' runs', async () => {
  const runsDir = join(tmp, 'sweep-runs');
  const sweepDir = join(runsDir, 'sweep-1');
  mkdirSync(sweepDir, { recursive: true });
  const member = (index: number, state: string) => ({ index, name: `m${index}`, values: {}, config: `members/${index}.crate.yaml`, state, starts: 1 });
  writeFileSync(
    join(sweepDir, 'sweep.json'),
    JSON.stringify({ version: 1, id: 'sweep-1', name: 's', source: '/x.crate.yaml', createdAt: 'now', scheduler: 'local', parallel: 1, runsDir, varying: ['optim.lr'], members: [member(0, 'completed'), member(1, 'completed'), member(2, 'running'), member(3, 'queued')] }),
  );
  handRun(runsDir, { name: 'r0', lr: 0.1, heldOut: 1, train: [0.5], measures: { srr: 1 }, sweep: { id: 'sweep-1', member: 0 } });
  handRun(runsDir, { name: 'r1', lr: 0.2, heldOut: 1, train: [0.1], measures: { srr: 2 }, sweep: { id: 'sweep-1', member: 1 } });
  handRun(runsDir, { name: 'r2', lr: 0.3, heldOut: 1, train: [0.2], status: 'running', pid: process.pid, sweep: { id: 'sweep-1', member: 2 } });
  const killed = handRun(join(tmp, 'other'), { name: 'killed', heldOut: 1, train: [0.2], status: 'running' });
  const stopped = handRun(join(tmp, 'other'), { name: 'stopped', heldOut: 1, train: [0.2], status: 'stopped' });
  const r = await study(sweepDir, killed, stopped, '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.runs.map((x: { name: string }) => x.name).sort(), ['r0', 'r1']);
  const reasons = out.leftOut.map((l: { reason: string }) => l.reason);
  assert.ok(reasons.some((x: string) => /member 3 \(m3\) has no run yet \(queued\)/.test(x)), reasons.join('; '));
  assert.ok(reasons.some((x: string) => /^still training \(step 1 of 1\)/.test(x)), reasons.join('; '));
  assert.ok(reasons.some((x: string) => /trainer is gone at step 1 of 1 \(killed\)/.test(x)), reasons.join('; '));
  assert.ok(reasons.some((x: string) => /^stopped at step 1 of 1/.test(x)), reasons.join('; '));
  const srr = out.rows.find((x: { measure: string }) => x.measure === 'srr');
  assert.equal(srr.byHyperparameter.learningRate.value, bruteTauB([1, 2], [0.5, 0.9]));
  const text = await study(sweepDir, killed);
  assert.match(text.stdout, /left out: .*killed: its trainer is gone/);
});

test('runs on other data sets or image sizes are refused with the reason; usage mistakes are one line, exit 2', async () => {
  const parent = join(tmp, 'mixed');
  const a = handRun(parent, { name: 'a', heldOut: 1, train: [0.5], measures: {} });
  const b = handRun(parent, { name: 'b', heldOut: 1, train: [0.4], measures: {}, data: 'cifar10' });
  const c = handRun(parent, { name: 'c', heldOut: 1, train: [0.4], measures: {}, image: 32 });
  const oneLine = (r: { code: number; stderr: string }, pattern: RegExp): void => {
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  };
  oneLine(await study(a, b), new RegExp(`runs on different data sets cannot be compared: data\\.kind is "synthetic-subspaces" in ${a} but "cifar10" in ${b}`));
  oneLine(await study(a, c), new RegExp(`runs on different image sizes cannot be compared: model\\.image is 16 in ${a} but 32 in ${c}`));
  oneLine(await study(), /study needs at least one run directory or sweep folder/);
  oneLine(await study(a, '--format', 'pdf'), /--format must be one of text, csv, latex, got "pdf"/);
  oneLine(await study(a, '--json', '--format', 'csv'), /--json and --format are alternatives/);
  oneLine(await study(a, '--resamples', '0'), /--resamples must be an integer of at least 1, got "0"/);
  oneLine(await study(join(tmp, 'nothing-here')), /nothing-here is neither a run directory \(with run\.json\) nor a sweep folder \(with sweep\.json\)/);
  oneLine(await study(a, '--bogus'), /Unknown option '--bogus'/);
  const stopped = handRun(parent, { name: 'stopped', heldOut: 1, train: [0.4], status: 'stopped' });
  oneLine(await study(stopped), /no completed runs to compare: .*stopped: stopped at step 1 of 1/);
  const noEval = handRun(parent, { name: 'noeval', heldOut: 1, train: [0.4], measures: {} });
  writeFileSync(join(noEval, 'events.jsonl'), '');
  oneLine(await study(noEval), /noeval: no generalization gap: it has no evaluation/);
  const unmeasured = handRun(parent, { name: 'unmeasured', heldOut: 1, train: [0.4] });
  oneLine(await study(unmeasured, '--backend', 'cpu'), /unmeasured has no measures\.json and no checkpoint to compute it from/);
  writeFileSync(join(a, 'measures.json'), '{"version": 9}');
  oneLine(await study(a), /measures\.json has version 9; this crate-lab reads version 1/);
});

test('real tiny runs: study computes each run\'s measures from its final checkpoint, writes measures.json, and ranks the gaps of its events', async () => {
  const runsDir = join(tmp, 'trained');
  const trained: string[] = [];
  for (const [arch, lr] of [['crate', 0.001], ['crate', 0.004], ['crate-alpha', 0.001]] as const) {
    const file = join(tmp, `${arch}-${lr}.crate.yaml`);
    writeFileSync(
      file,
      `name: ${arch}-${lr}\nseed: 1\nbackend: wasm\nthreads: 1\nmodel: { arch: ${arch}, depth: 2, width: 16, heads: 2 }\ndata: { kind: synthetic-subspaces, trainSize: 256, testSize: 64 }\noptim: { batchSize: 32, maxSteps: 14, lr: ${lr} }\neval: { every: 7 }\nintrospect: { every: 0 }\ncheckpoint: { every: 14 }\n`,
    );
    const before = new Set(existsSync(runsDir) ? readdirNames(runsDir) : []);
    const r = await exited(spawnCli(['train', file, '--runs-dir', runsDir]));
    assert.equal(r.code, 0, r.stderr);
    trained.push(join(runsDir, readdirNames(runsDir).find((n) => !before.has(n))!));
  }
  // The trainer wrote each run's measures as it completed; study computes them from the final
  // checkpoint where measures.json is missing, and must find the same numbers.
  const byTrainer = trained.map((dir) => JSON.parse(readFileSync(join(dir, 'measures.json'), 'utf8')));
  assert.deepEqual(byTrainer.map((r) => [r.computedBy, r.step, r.checkpoint]), trained.map(() => ['trainer', 14, 'step-00000014']));
  rmSync(join(trained[1], 'measures.json'));
  const first = runCli(['study', ...trained, '--json']);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stderr.match(/computing the measures from step-00000014/g)?.length, 1, first.stderr);
  const out = JSON.parse(first.stdout);
  // The gap from the events, independently: held-out minus training-subset loss of the last
  // evaluation that has both (the one at step 14; a final test evaluation follows it).
  const gaps = trained.map((dir) => {
    const evals = events(dir).filter((e) => e.type === 'eval');
    assert.deepEqual(evals.map((e) => [e.step, e.split, e.train !== undefined]), [[7, 'validation', true], [14, 'validation', true], [14, 'test', false]]);
    return evals[1].loss - evals[1].train!.loss;
  });
  out.runs.forEach((r: { gap: { gap: number } }, i: number) => assert.ok(Math.abs(r.gap.gap - gaps[i]) < 1e-12, `run ${i}: gap ${r.gap.gap} vs ${gaps[i]}`));
  const records = trained.map((dir) => JSON.parse(readFileSync(join(dir, 'measures.json'), 'utf8')));
  assert.equal(records[1].computedBy, 'study');
  assert.deepEqual(records[1].measures, byTrainer[1].measures, 'the study measured what the trainer did');
  for (const [i, rec] of records.entries()) {
    assert.equal(rec.version, 1);
    assert.equal(rec.step, 14);
    // The first min(1024, 230) training images (256 less the 10% held out).
    assert.deepEqual(rec.data, { images: 230, srrImages: 64, codingRateEps: 0.5 });
    // ℓ2 from the checkpoint's tensors, by loops.
    const shape = modelShape(loadConfigFile(join(trained[i], 'config.yaml')).config.model);
    const weights = readSafetensors(join(trained[i], 'checkpoints', 'step-00000014', 'weights.safetensors')).tensors;
    let l2 = 0;
    for (const name of weightMatrixNames(shape)) for (const v of weights.get(name)!.data) l2 += v * v;
    assert.ok(Math.abs(rec.measures.l2 - l2) <= 1e-12 * l2, `run ${i}: ℓ2 ${rec.measures.l2} vs ${l2}`);
  }
  // γ of the CRATE-α run (its patch embedding has no LayerNorm to undo a normalization) from the
  // float64 model on the training part (256 examples less the 26 the seed holds out), normalized
  // with the statistics of those examples.
  const { config } = loadConfigFile(join(trained[2], 'config.yaml'));
  const train = await openDataset(config.data, 'train');
  const part = validationSplit(256, 0.1, config.seed).train;
  const batch = train.read(part);
  normalize(batch.images, train, measureChannelStats(train, part));
  train.close();
  const weights = readSafetensors(join(trained[2], 'checkpoints', 'step-00000014', 'weights.safetensors')).tensors;
  const margins = naiveLogits(weights, modelShape(config.model), batch.images).map((row, k) => row[batch.labels[k]] - Math.max(...row.filter((_, c) => c !== batch.labels[k])));
  const gamma = margins.sort((x, y) => x - y)[22]; // k = ⌊230/10⌋ = 23rd smallest
  assert.ok(Math.abs(records[2].margin - gamma) < 1e-4, `γ ${records[2].margin}, float64 model ${gamma}`);
  for (const id of ['l2', 'pathNorm', 'sumOfSpec', 'logProdOfSpec', 'srr']) {
    const row = out.rows.find((x: { measure: string }) => x.measure === id);
    assert.equal(row.overall.value, bruteTauB(records.map((r) => r.measures[id]), gaps), id);
    // Learning rate: the two crate runs; model type: the two runs at lr 0.001.
    assert.equal(row.byHyperparameter.learningRate.value, bruteTauB([records[0].measures[id], records[1].measures[id]], [gaps[0], gaps[1]]), id);
    assert.equal(row.byHyperparameter.modelType.value, bruteTauB([records[0].measures[id], records[2].measures[id]], [gaps[0], gaps[2]]), id);
  }
  // A second study reads measures.json: nothing is computed again.
  const second = runCli(['study', ...trained]);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(second.stderr, '');
});

function readdirNames(dir: string): string[] {
  return readdirSync(dir);
}
