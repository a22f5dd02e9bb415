// The Compare panel's SRR study (issue 15, items 5 and 6) in a real Chromium, hosted as VS Code
// hosts it (panelHtml's strict CSP; acquireVsCodeApi; host messages via window.postMessage), fed
// with what crateLab/study answers for hand-made runs whose measures and gaps are chosen. Every
// check reads what was rendered: the table's cells against τ worked out independently (bruteTauB),
// each scatter's points at the pixels their values imply in their model type's colour, the
// read-out after keys and hovering, the messages the export buttons post, the regularizer's table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { StudyResult } from '../protocol/studyData.js';
import { study } from '../server/runs/studyQuery.js';
import { bruteTauB } from './support/bruteKendall.js';
import { type HandRun, handRun } from './support/handRuns.js';
import { repoRoot } from './support/reference.js';
import { runSummary } from './support/runMessages.js';
import { themeVariables } from './support/vscodeTheme.js';
import { launchChromium, openPanel, type PanelPage, type PanelServer, type Pixels, startPanelServer } from './support/webviewPage.js';

let browser: Browser;
let server: PanelServer;
const work = mkdtempSync(join(tmpdir(), 'crate-webviews-study-'));

before(async () => {
  browser = await launchChromium();
  server = await startPanelServer();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
});

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function countColour(p: Pixels, rgb: [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) if (p.data[i * 4 + 3] > 0 && Math.hypot(p.data[i * 4] - rgb[0], p.data[i * 4 + 1] - rgb[1], p.data[i * 4 + 2] - rgb[2]) < tolerance) n++;
  return n;
}

async function nextFrames(p: PanelPage): Promise<void> {
  await p.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  await p.page.waitForTimeout(100);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const dark = themeVariables('dark');
const blue = hexRgb(dark['--vscode-charts-blue']);
const orange = hexRgb(dark['--vscode-charts-orange']);

// 2 batch sizes × 2 model types; gap = heldOut − mean(train).
const specs: HandRun[] = [
  { name: 'a', batchSize: 32, arch: 'crate', heldOut: 1.0, train: [0.5, 0.3], measures: { srr: 1, l2: 4 }, accuracy: 0.6 },
  { name: 'b', batchSize: 64, arch: 'crate', heldOut: 1.2, train: [0.4, 0.4], measures: { srr: 2, l2: 3 }, accuracy: 0.6 },
  { name: 'c', batchSize: 32, arch: 'crate-n', heldOut: 0.9, train: [0.1, 0.1], measures: { srr: 3, l2: 2 }, accuracy: 0.5 },
  { name: 'd', batchSize: 64, arch: 'crate-n', heldOut: 1.5, train: [0.2, 0.2], measures: { srr: 4, l2: 5 }, accuracy: 0.5 },
];
const gaps = specs.map((s) => s.heldOut - mean(s.train));

test('the study in the Compare panel: the table with n and intervals, a scatter per measure coloured by model type, read-outs, exports', async () => {
  const parent = join(work, 'runs');
  mkdirSync(parent);
  const dirs = specs.map((s) => handRun(parent, s));
  // With the regularizer on (a setting that changes the model: these runs would split every group)
  // and without measures.json: out of the τ table, in the regularizer's.
  const unmeasured = [
    handRun(parent, { name: 'e', arch: 'crate', heldOut: 1, train: [0.5], accuracy: 0.65, srr: { weight: 0.1 } }),
    handRun(parent, { name: 'f', arch: 'crate-n', heldOut: 1, train: [0.5], accuracy: 0.56, srr: { weight: 0.1 } }),
  ];
  const result = study({ runDirs: [...dirs, ...unmeasured] });
  const p = await openPanel(browser, server, 'compare');
  await p.waitForPosted('ready');
  await p.send({ type: 'init', state: { kind: 'compare', runDirs: [...dirs, ...unmeasured] }, runs: dirs.map(runSummary) });
  await p.send({ type: 'study', result });
  await nextFrames(p);

  // The table: a row per measure, a column per hyperparameter, Ψ and overall; headers scoped.
  const header = await p.page.locator('[data-table=study] thead th').allInnerTexts();
  assert.deepEqual(header, ['measure', 'batch size', 'learning rate', 'dropout', 'model type', 'Ψ', 'overall τ']);
  assert.equal(await p.page.locator('[data-table=study] th[scope=row]').count(), 6);
  const srrCells = (await p.page.locator('[data-table=study] tr:has(th:text-is("SRR")) td').allInnerTexts()).map((c) => c.trim());
  const overall = bruteTauB([1, 2, 3, 4], gaps)!;
  const bs = mean([bruteTauB([1, 2], [gaps[0], gaps[1]])!, bruteTauB([3, 4], [gaps[2], gaps[3]])!]);
  assert.match(srrCells[5], new RegExp(`^${overall < 0 ? '−' : ''}${Math.abs(overall).toFixed(3)} \\[[−0-9.]+, [−0-9.]+\\] n=4$`));
  assert.match(srrCells[0], new RegExp(`^${bs < 0 ? '−' : ''}${Math.abs(bs).toFixed(3)} \\[[−0-9.]+, [−0-9.]+\\] n=4, 2 groups$`));
  assert.equal(srrCells[1], '— n=0', 'learning rate: no group');
  const interval = result.rows.find((r) => r.measure === 'srr')!.cells[5].interval!;
  assert.match(srrCells[5], new RegExp(`\\[${interval.lower.toFixed(2).replace('-', '−')}, ${interval.upper.toFixed(2).replace('-', '−')}\\]`));
  assert.deepEqual(await p.page.locator('.left-out li').allInnerTexts(), unmeasured.map((dir) => `Left out: ${dir}: no measures.json: run \`crate-lab study …\` to compute it`));

  // One scatter per measure; the legend names the model types in the points' colours.
  assert.deepEqual(await p.page.locator('.study-scatters section').evaluateAll((s) => s.map((x) => (x as HTMLElement).dataset.measure)), ['l2', 'pathNorm', 'sumOfSpec', 'logProdOfSpec', 'inverseMargin', 'srr']);
  assert.deepEqual(await p.page.locator('.study-legend li').allInnerTexts(), ['model type crate', 'model type crate-n']);
  const canvas = '[data-measure=srr] canvas';
  const d = (await p.page.evaluate(`({ ...document.querySelector('${canvas}').dataset })`)) as Record<string, string>;
  const at = (x: number, y: number) => ({
    x: Number(d.plotLeft) + ((x - Number(d.xMin)) / (Number(d.xMax) - Number(d.xMin))) * Number(d.plotWidth),
    y: Number(d.plotTop) + (1 - (y - Number(d.yMin)) / (Number(d.yMax) - Number(d.yMin))) * Number(d.plotHeight),
  });
  for (const [i, s] of specs.entries()) {
    const q = at(s.measures!.srr!, gaps[i]);
    const pixels = await p.pixels(canvas, q.x - 2, q.y - 2, 4, 4);
    const [want, other] = s.arch === 'crate' ? [blue, orange] : [orange, blue];
    assert.ok(countColour(pixels, want) >= 12 && countColour(pixels, other) === 0, `run ${s.name}'s point in its model type's colour`);
  }
  // Keys pick runs in order of the measure; the read-out names the run.
  await p.page.focus(canvas);
  await p.page.keyboard.press('ArrowRight');
  await nextFrames(p);
  const readout = () => p.page.locator('[data-measure=srr] .readout').innerText();
  assert.equal(await readout(), `a: SRR 1, generalization gap ${Number(gaps[0].toPrecision(6))}, model type crate`);
  await p.page.keyboard.press('End');
  await nextFrames(p);
  assert.equal(await readout(), `d: SRR 4, generalization gap ${Number(gaps[3].toPrecision(6))}, model type crate-n`);
  // Hovering a point reads it out too (ℓ2's scatter: run c has ℓ2 = 2).
  const l2 = (await p.page.evaluate(`({ ...document.querySelector('[data-measure=l2] canvas').dataset })`)) as Record<string, string>;
  const box = (await p.page.locator('[data-measure=l2] canvas').boundingBox())!;
  const cx = Number(l2.plotLeft) + ((2 - Number(l2.xMin)) / (Number(l2.xMax) - Number(l2.xMin))) * Number(l2.plotWidth);
  const cy = Number(l2.plotTop) + (1 - (gaps[2] - Number(l2.yMin)) / (Number(l2.yMax) - Number(l2.yMin))) * Number(l2.plotHeight);
  await p.page.mouse.move(box.x + cx + 1, box.y + cy);
  await nextFrames(p);
  assert.equal(await p.page.locator('[data-measure=l2] .readout').innerText(), `c: ℓ2-norm 2, generalization gap ${Number(gaps[2].toPrecision(6))}, model type crate-n`);

  // Exports go through the host: the panel names the table and the format.
  for (const [selector, table, format] of [['measures-csv', 'measures', 'csv'], ['measures-latex', 'measures', 'latex'], ['regularizer-csv', 'regularizer', 'csv']] as const) {
    await p.page.click(`[data-export=${selector}]`);
    await nextFrames(p);
    assert.deepEqual((await p.posted()).at(-1), { type: 'exportStudy', table, format });
  }

  // The regularizer's table: accuracy per model type and setting, the change against off and n.
  const reg = await p.page.locator('[data-table=regularizer] tr').allInnerTexts();
  assert.deepEqual(reg.map((r) => r.split('\t').map((c) => c.trim())), [
    ['model type', 'off', 'random layer, weight 0.1'],
    ['crate', '60.00% n=2', '65.00% +5.00 pt n=1'],
    ['crate-n', '50.00% n=2', '56.00% +6.00 pt n=1'],
  ]);
  assert.deepEqual(p.problems, [], 'no console errors, page errors or CSP violations');
  mkdirSync(join(repoRoot, 'test-results', 'webviews'), { recursive: true });
  await p.page.screenshot({ path: join(repoRoot, 'test-results', 'webviews', 'compare-study-dark.png'), fullPage: true });

  // Runs that cannot be compared: the reason instead of the table; no regularizer table without the regularizer.
  const refused: StudyResult = { ...result, rows: [], points: [], refused: 'runs on different image sizes cannot be compared: model.image is 16 in /a but 32 in /b', regularizer: null, exports: null };
  await p.send({ type: 'study', result: refused });
  await nextFrames(p);
  assert.equal(await p.page.locator('.study-summary').innerText(), `Not computed: ${refused.refused}`);
  assert.equal(await p.page.locator('[data-table=study]').isVisible(), false);
  assert.equal(await p.page.locator('[data-table=regularizer]').isVisible(), false);
  assert.equal(await p.page.locator('[data-export=measures-csv]').isVisible(), false);
  assert.equal(await p.page.locator('.study-scatters section').count(), 0);
  assert.deepEqual(p.problems, []);
  await p.page.close();
});
