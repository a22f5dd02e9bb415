// crateLab/study from the real server bundle over stdio (issue 15, item 5): the study's table over
// hand-made run directories whose gaps and measures are chosen, every τ worked out independently
// (bruteTauB); completed runs without measures.json, runs still training and unknown folders as
// the server must answer them; the refusal of runs on other image sizes; the regularizer's table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-languageserver-protocol/node';
import { StudyRequest } from '../protocol/customMessages.js';
import type { HostToPanelMessage } from '../protocol/panelMessages.js';
import type { StudyParams, StudyResult } from '../protocol/studyData.js';
import { studyFeed } from '../extension/panels/studyFeed.js';
import type { ServerConnection } from '../extension/serverConnection.js';
import { bruteTauB } from './support/bruteKendall.js';
import { type HandRun, handRun } from './support/handRuns.js';
import { LanguageServer } from './support/languageServer.js';
import { repoRoot } from './support/reference.js';

let languageServer: LanguageServer;
const tmp = mkdtempSync(join(tmpdir(), 'crate-server-study-'));

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  languageServer = new LanguageServer();
  await languageServer.initialize({ runsDirs: [] });
});

after(async () => {
  await languageServer.stop();
});

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

test('crateLab/study: each cell worked out independently, the left-out runs with their reasons, the points and the exports', async () => {
  const parent = join(tmp, 'grid');
  // 2 batch sizes × 2 model types; gap = heldOut − mean(train).
  const specs: HandRun[] = [
    { name: 'a', batchSize: 32, arch: 'crate', heldOut: 1.0, train: [0.5, 0.3], measures: { srr: 1, l2: 4 } },
    { name: 'b', batchSize: 64, arch: 'crate', heldOut: 1.2, train: [0.4, 0.4], measures: { srr: 2, l2: 3 } },
    { name: 'c', batchSize: 32, arch: 'crate-n', heldOut: 0.9, train: [0.1, 0.1], measures: { srr: 3, l2: 2 } },
    { name: 'd', batchSize: 64, arch: 'crate-n', heldOut: 0.5, train: [0.2, 0.2], measures: { srr: 4, l2: 5 } },
  ];
  const dirs = specs.map((s) => handRun(parent, s));
  const gaps = specs.map((s) => s.heldOut - mean(s.train)); // 0.6, 0.8, 0.8, 0.3
  // Completed but never measured (the server cannot compute measures), and one still training.
  const unmeasured = handRun(parent, { name: 'unmeasured', heldOut: 1, train: [0.5] });
  const training = handRun(parent, { name: 'training', heldOut: 1, train: [0.5], status: 'running', pid: process.pid, measures: {} });
  const r: StudyResult = await languageServer.connection.sendRequest(StudyRequest.type, { runDirs: [...dirs, unmeasured, training] });

  assert.deepEqual(r.columns.map((c) => c.id), ['batchSize', 'learningRate', 'dropout', 'modelType', 'psi', 'overall']);
  assert.deepEqual(r.rows.map((x) => x.measure), ['l2', 'pathNorm', 'sumOfSpec', 'logProdOfSpec', 'inverseMargin', 'srr']);
  const cell = (measure: string, column: string) => r.rows.find((x) => x.measure === measure)!.cells[r.columns.findIndex((c) => c.id === column)];
  const srrX = [1, 2, 3, 4];
  assert.equal(cell('srr', 'overall').value, bruteTauB(srrX, gaps));
  assert.equal(cell('srr', 'overall').runs, 4);
  assert.ok(cell('srr', 'overall').interval, 'the overall τ has a bootstrap interval');
  const bs = mean([bruteTauB([1, 2], [gaps[0], gaps[1]])!, bruteTauB([3, 4], [gaps[2], gaps[3]])!]);
  assert.equal(cell('srr', 'batchSize').value, bs);
  assert.deepEqual([cell('srr', 'batchSize').runs, cell('srr', 'batchSize').groups], [4, 2]);
  const mt = mean([bruteTauB([1, 3], [gaps[0], gaps[2]])!, bruteTauB([2, 4], [gaps[1], gaps[3]])!]);
  assert.ok(Math.abs(cell('srr', 'modelType').value! - mt) < 1e-12);
  assert.equal(cell('srr', 'learningRate').value, null);
  assert.ok(Math.abs(cell('srr', 'psi').value! - (bs + mt) / 2) < 1e-12);
  assert.equal(cell('l2', 'overall').value, bruteTauB([4, 3, 2, 5], gaps));

  // The points of the scatters: the runs ranked, with model type, gap and measures.
  assert.deepEqual(r.points.map((p) => [p.runDir, p.modelType, p.measures.srr]), dirs.map((d, i) => [d, specs[i].arch, srrX[i]]));
  r.points.forEach((p, i) => assert.ok(Math.abs(p.gap - gaps[i]) < 1e-12, `gap of ${p.name}`));
  // The runs left out, each with its reason.
  assert.deepEqual(r.leftOut.map((l) => l.runDir).sort(), [training, unmeasured].sort());
  assert.equal(r.leftOut.find((l) => l.runDir === unmeasured)!.reason, 'no measures.json: run `crate-lab study …` to compute it');
  assert.match(r.leftOut.find((l) => l.runDir === training)!.reason, /^still training \(step 1 of 1\)/);
  assert.equal(r.refused, undefined);

  // The exports: crate-lab study's CSV and LaTeX of the same table.
  const csv = r.exports!.csv.trim().split('\n').map((l) => l.split(','));
  const srrLine = csv.find((l) => l[0] === 'SRR')!;
  assert.equal(Number(srrLine[csv[0].indexOf('overall τ')]), bruteTauB(srrX, gaps));
  assert.equal(Number(srrLine[csv[0].indexOf('batch size')]), bs);
  assert.match(r.exports!.latex, new RegExp(`^SRR & \\$${bs.toFixed(3)}\\$`, 'm'));
  assert.equal(r.exports!.regularizerCsv, null, 'no regularizer table without the regularizer');
  assert.equal(r.regularizer!.used, false);

  // The server keeps the runs it read; a run whose events change (here: a later evaluation) is read again.
  const t = '2026-12-01T00:00:01.000Z';
  appendFileSync(join(dirs[0], 'events.jsonl'), [{ type: 'scalars', t, step: 3, epoch: 0, loss: 0.25, lr: 0.001, imagesPerSecond: 1 }, { type: 'eval', t, step: 3, epoch: 0, split: 'validation', loss: 3.25, accuracy: 0.5 }].map((e) => `${JSON.stringify(e)}\n`).join(''));
  const again: StudyResult = await languageServer.connection.sendRequest(StudyRequest.type, { runDirs: [...dirs, unmeasured, training] });
  assert.equal(again.points[0].runDir, dirs[0]);
  assert.equal(again.points[0].gap, 3.25 - 0.25, 'the new last evaluation less the mean of the steps since the one before');
  assert.deepEqual(again.points.slice(1), r.points.slice(1));
});

test('crateLab/study: runs on other image sizes are answered with the reason, unknown folders with InvalidParams; the regularizer table', async () => {
  const parent = join(tmp, 'mixed');
  const a = handRun(parent, { name: 'a', heldOut: 1, train: [0.5], measures: {}, accuracy: 0.6 });
  const big = handRun(parent, { name: 'big', heldOut: 1, train: [0.4], measures: {}, image: 32 });
  const refused: StudyResult = await languageServer.connection.sendRequest(StudyRequest.type, { runDirs: [a, big] });
  assert.equal(refused.refused, `runs on different image sizes cannot be compared: model.image is 16 in ${a} but 32 in ${big}`);
  assert.deepEqual([refused.rows, refused.points, refused.exports], [[], [], null]);

  const nowhere = join(tmp, 'not-a-run');
  mkdirSync(nowhere);
  writeFileSync(join(nowhere, 'notes.txt'), 'x');
  await assert.rejects(languageServer.connection.sendRequest(StudyRequest.type, { runDirs: [a, nowhere] }), (e: unknown) => {
    assert.ok(e instanceof ResponseError);
    assert.equal(e.code, -32602);
    assert.match(e.message, /not-a-run is neither a run directory \(with run\.json\) nor a sweep folder/);
    return true;
  });

  // The regularizer: the runs without measures.json count too (accuracy needs no measures).
  const b = handRun(parent, { name: 'b', heldOut: 1, train: [0.4], accuracy: 0.7, srr: { weight: 0.5 } });
  const c = handRun(parent, { name: 'c', heldOut: 1, train: [0.3], measures: {}, accuracy: 0.5, srr: { weight: 0.5, layers: [0] } });
  const r: StudyResult = await languageServer.connection.sendRequest(StudyRequest.type, { runDirs: [a, b, c] });
  const t = r.regularizer!;
  assert.deepEqual(t.settings.map((s) => s.label), ['off', 'layers 0, weight 0.5', 'random layer, weight 0.5']);
  assert.equal(t.rows.length, 1);
  const [off, layers, random] = t.rows[0].cells;
  assert.deepEqual(off, { accuracy: 0.6, runs: 1, change: null });
  assert.ok(Math.abs(layers!.change! - (0.5 - 0.6)) < 1e-12 && Math.abs(random!.change! - (0.7 - 0.6)) < 1e-12);
  assert.match(r.exports!.regularizerCsv!, /^model type,off accuracy,off change,off runs,/);
  assert.match(r.exports!.regularizerLatex!, /^\\begin\{tabular\}\{lccc\}/);
  assert.deepEqual(r.points.map((p) => [p.name, p.regularizer]), [['a', 'off'], ['c', 'layers 0, weight 0.5']]);
  assert.equal(languageServer.stderr.includes('Error'), false, languageServer.stderr);
});

test('the Compare panel feed of 3+ runs: `study` from the server, asked again when a run ends; the exports are its texts', async () => {
  const parent = join(tmp, 'feed');
  const dirs = ['x', 'y', 'z'].map((name, i) => handRun(parent, { name, lr: 0.001 * (i + 1), heldOut: 1, train: [0.1 * (i + 1)], measures: { srr: i }, accuracy: 0.5, srr: i === 2 ? { weight: 1 } : undefined }));
  const posted: HostToPanelMessage[] = [];
  // The feed's only use of the extension's ServerConnection is sendRequest: here it goes to the real server over stdio.
  const server = { sendRequest: (type: typeof StudyRequest.type, params: StudyParams) => languageServer.connection.sendRequest(type, params) } as unknown as ServerConnection;
  const feed = studyFeed(dirs, server, (m) => posted.push(m));
  assert.equal(feed.exportText('measures', 'csv'), undefined, 'nothing to export before the first answer');
  await feed.start();
  const first = posted.find((m) => m.type === 'study');
  assert.ok(first && first.type === 'study');
  assert.deepEqual(first.result.points.map((p) => p.runDir), dirs);
  const expected = { csv: first.result.exports!.csv, latex: first.result.exports!.latex, regularizerCsv: first.result.exports!.regularizerCsv!, regularizerLatex: first.result.exports!.regularizerLatex! };
  assert.deepEqual(feed.exportText('measures', 'csv'), { text: expected.csv, format: 'csv', name: 'feed-study.csv' });
  assert.deepEqual(feed.exportText('measures', 'latex'), { text: expected.latex, format: 'latex', name: 'feed-study.tex' });
  assert.deepEqual(feed.exportText('regularizer', 'csv'), { text: expected.regularizerCsv, format: 'csv', name: 'feed-regularizer.csv' });
  // Scalars alone change nothing; a status event (a run ended) asks again.
  const t = new Date().toISOString();
  feed.eventsAppended({ runDir: dirs[0], events: [{ type: 'scalars', t, step: 2, epoch: 0, loss: 1, lr: 0.1, imagesPerSecond: 1 }] });
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(posted.filter((m) => m.type === 'study').length, 1);
  feed.eventsAppended({ runDir: dirs[0], events: [{ type: 'status', t, step: 1, status: 'completed' }] });
  await new Promise((r) => setTimeout(r, 2_500));
  assert.equal(posted.filter((m) => m.type === 'study').length, 2);
  feed.dispose();
  // Two runs: no study.
  const pair = studyFeed(dirs.slice(0, 2), server, (m) => posted.push(m));
  await pair.start();
  assert.equal(posted.filter((m) => m.type === 'study').length, 2);
});
