// The four panels in a real Chromium, hosted as VS Code hosts them (panelHtml's page: strict CSP
// with a nonce; acquireVsCodeApi; host messages via window.postMessage), fed with two real
// trainer runs. Every check reads what was rendered: canvas pixels at the positions the data
// implies, legend and read-out text after hovering, table cells, messages posted to the host.
// Screenshots of each panel in dark and light themes go to test-results/webviews/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { parse } from 'yaml';
import type { Browser } from 'playwright-core';
import type { ProbeImages } from '../protocol/panelMessages.js';
import type { CompareRunsResult, RunSummary } from '../protocol/runData.js';
import type { RunEvent } from '../trainer/run/format.js';
import { alignSeries, configDiff } from '../server/runs/runAnalysis.js';
import { kendallTauB } from '../trainer/study/kendall.js';
import { openSyntheticSubspaces, type SyntheticSubspacesSpec } from '../trainer/data/synthetic.js';
import { panelCsp, panelHtml } from '../webviews/panelHtml.js';
import { colormapTable } from '../webviews/shared/colormaps.js';
import { repoRoot } from './support/reference.js';
import { exited, spawnCli } from './support/runs.js';
import { attentionMessage, runEvents, runLayerPoints, runScalars, runSummary, toArrays } from './support/runMessages.js';
import { launchChromium, openPanel, type PanelPage, type PanelServer, type Pixels, startPanelServer } from './support/webviewPage.js';
import { themeVariables } from './support/vscodeTheme.js';
import { waitFor } from './support/waitFor.js';

const shots = join(repoRoot, 'test-results', 'webviews');
let browser: Browser;
let server: PanelServer;
let workDir: string;
/** Run A: the quickstart, introspection every 5 steps. Run B: a higher learning rate, every 10. */
let runA: string;
let runB: string;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'crate-webviews-'));
  const quickstart = readFileSync(join(repoRoot, 'examples', 'quickstart.crate.yaml'), 'utf8');
  const configs = [
    ['a', quickstart.replace('every: 20', 'every: 5')],
    ['b', quickstart.replace('name: quickstart', 'name: quickstart-lr').replace('lr: 0.002', 'lr: 0.005').replace('every: 20', 'every: 10')],
  ];
  const runs = await Promise.all(
    configs.map(async ([id, text]) => {
      const config = join(workDir, `${id}.crate.yaml`);
      writeFileSync(config, text);
      const runsDir = join(workDir, `runs-${id}`);
      const r = await exited(spawnCli(['train', config, '--runs-dir', runsDir, '--max-steps', '30', '--json']));
      assert.equal(r.code, 0, r.stderr);
      return join(runsDir, readdirSync(runsDir).filter((d) => !d.startsWith('.'))[0]);
    }),
  );
  [runA, runB] = runs;
  mkdirSync(shots, { recursive: true });
  [browser, server] = await Promise.all([launchChromium(), startPanelServer()]);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------------
// Reading rendered pixels.
// ------------------------------------------------------------------------------------------------

function hexRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function distance(p: Pixels, i: number, rgb: [number, number, number]): number {
  return Math.hypot(p.data[i * 4] - rgb[0], p.data[i * 4 + 1] - rgb[1], p.data[i * 4 + 2] - rgb[2]);
}

/** Mean row (CSS px, relative to the region) of the pixels close to `rgb` in a region. */
function rowsOfColour(p: Pixels, rgb: [number, number, number], tolerance = 60): number[] {
  const rows: number[] = [];
  for (let i = 0; i < p.width * p.height; i++) if (p.data[i * 4 + 3] > 0 && distance(p, i, rgb) < tolerance) rows.push(Math.floor(i / p.width) / p.scale);
  return rows;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function countColour(p: Pixels, rgb: [number, number, number], tolerance = 60): number {
  return rowsOfColour(p, rgb, tolerance).length;
}

/** The rule the panels use for read-outs (4 significant digits) on the float32 value they hold. */
function short(v: number): string {
  return String(Number(Math.fround(v).toPrecision(4)));
}

/** Screenshots in VS Code's dark, light and high-contrast themes (switched live, as VS Code does). */
async function shoot(p: PanelPage, name: string): Promise<void> {
  await p.page.screenshot({ path: join(shots, `${name}-dark.png`), fullPage: true });
  for (const theme of ['light', 'high-contrast'] as const) {
    await p.setTheme(theme);
    await nextFrames(p);
    await p.page.screenshot({ path: join(shots, `${name}-${theme}.png`), fullPage: true });
  }
  await p.setTheme('dark');
  await nextFrames(p);
}

function assertClean(p: PanelPage): void {
  assert.deepEqual(p.problems, [], 'no console errors, page errors or CSP violations');
}

/** uPlot's legend of a chart as label → shown value. */
async function legendOf(p: PanelPage, chart: string): Promise<Record<string, string>> {
  return (await p.page.evaluate(`Object.fromEntries([...document.querySelectorAll('[data-chart=${chart}] .u-legend .u-series')].map((s) => [s.querySelector('.u-label').textContent, s.querySelector('.u-value').textContent]))`)) as Record<string, string>;
}

/** The UI choices in the panel's last `uiState` message. */
async function lastUi(p: PanelPage): Promise<Record<string, unknown>> {
  const m = (await p.posted()).filter((x) => x.type === 'uiState').pop();
  assert.ok(m && m.type === 'uiState', 'the panel posted uiState');
  return m.ui;
}

/** Waits until an expression holds in the page (evaluated from here: the panel's CSP forbids the string evaluation waitForFunction uses). */
const until = (p: PanelPage, expression: string) => waitFor(expression, () => p.page.evaluate(expression) as Promise<boolean>, 10_000);

async function nextFrames(p: PanelPage): Promise<void> {
  await p.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
  await p.page.waitForTimeout(120);
}

const darkBlue = hexRgb(themeVariables('dark')['--vscode-charts-blue']);
const darkOrange = hexRgb(themeVariables('dark')['--vscode-charts-orange']);

// ------------------------------------------------------------------------------------------------

test('panelHtml: strict CSP with the nonce, escaped title, the script and stylesheet given', () => {
  const html = panelHtml({ kind: 'layers', title: 'R & Rc <of> "run"', nonce: 'abc123', cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/l.js', styleUri: 'https://x/l.css' });
  const csp = panelCsp('abc123', 'https://x.vscode-cdn.net');
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc123'; style-src https://x.vscode-cdn.net 'nonce-abc123'; img-src https://x.vscode-cdn.net data: blob:; font-src https://x.vscode-cdn.net");
  assert.ok(html.includes(`content="${csp.replace(/'/g, '&#39;')}"`));
  assert.ok(html.includes('<script nonce="abc123" src="https://x/l.js"></script>'));
  assert.ok(html.includes('<link rel="stylesheet" href="https://x/l.css">'));
  assert.ok(html.includes('<title>R &amp; Rc &lt;of&gt; &quot;run&quot;</title>'));
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, the bundle');
  assert.ok(!/unsafe-inline|unsafe-eval/.test(html));
});

describe('dashboard', () => {
  async function openDashboard(dirs: string[]): Promise<{ p: PanelPage; summaries: RunSummary[] }> {
    const p = await openPanel(browser, server, 'dashboard');
    await p.waitForPosted('ready');
    const summaries = dirs.map(runSummary);
    await p.send({ type: 'init', state: { kind: 'dashboard', runDirs: dirs }, runs: summaries });
    for (const dir of dirs) await p.send({ type: 'scalars', runDir: dir, replace: true, series: toArrays(runScalars(dir)) });
    await nextFrames(p);
    return { p, summaries };
  }

  /** The plot area of a chart relative to its canvas and to the page, once layout has settled. */
  async function plotArea(p: PanelPage, chart: string) {
    let last = '';
    for (let i = 0; i < 50; i++) {
      const area = await measure(p, chart);
      if (JSON.stringify(area) === last) return area;
      last = JSON.stringify(area);
      await nextFrames(p);
    }
    throw new Error(`the ${chart} chart never settled`);
  }

  async function measure(p: PanelPage, chart: string) {
    const r = (await p.page.evaluate(`(() => {
      const c = document.querySelector('[data-chart=${chart}] canvas').getBoundingClientRect();
      const o = document.querySelector('[data-chart=${chart}] .u-over').getBoundingClientRect();
      return { left: o.left - c.left, top: o.top - c.top, width: o.width, height: o.height, pageLeft: o.left, pageTop: o.top };
    })()`)) as { left: number; top: number; width: number; height: number; pageLeft: number; pageTop: number };
    return r;
  }

  test('draws each run’s loss curve in the run’s colour at the heights the values imply', async () => {
    const { p } = await openDashboard([runA]);
    const loss = runScalars(runA).loss;
    const area = await plotArea(p, 'loss');
    const [x0, x1] = [loss.step[0], loss.step[loss.step.length - 1]];
    const rowAt = async (step: number) => {
      const x = area.left + ((step - x0) / (x1 - x0)) * area.width;
      const px = await p.pixels('[data-chart=loss] canvas', x - 1, area.top, 2, area.height);
      const rows = rowsOfColour(px, darkBlue);
      assert.ok(rows.length > 0, `the curve passes step ${step} in the run's colour`);
      return mean(rows);
    };
    const steps = [3, 10, 20];
    const ys = await Promise.all(steps.map(rowAt));
    const vs = steps.map((s) => loss.value[loss.step.indexOf(s)]);
    // Loss falls, so the curve sinks; screen heights are an affine image of the values.
    assert.ok(ys[0] < ys[1] && ys[1] < ys[2], `heights ${ys} follow the falling loss ${vs}`);
    const ratio = (ys[0] - ys[1]) / (ys[0] - ys[2]);
    assert.ok(Math.abs(ratio - (vs[0] - vs[1]) / (vs[0] - vs[2])) < 0.06, `height ratio ${ratio}`);
    // The legend names the series; the status line gives the run's state.
    // The run ends with a test evaluation (docs/run-directory.md): its point is a series too.
    // The training mini-batches and the fixed training subset are told apart (issue 15).
    assert.deepEqual(Object.keys(await legendOf(p, 'loss')), ['step', 'train batch', 'train subset', 'validation', 'test']);
    const status = await p.page.locator('.run-status').innerText();
    assert.match(status, /quickstart .*completed · step 30 \/ 30 · loss [\d.]+ · [\d.]+ images\/s/);
    // Keyboard: Tab reaches every control and chart, in reading order.
    const reached: string[] = [];
    for (let i = 0; i < 12; i++) {
      await p.page.keyboard.press('Tab');
      reached.push((await p.page.evaluate(`(() => { const e = document.activeElement; return e.dataset.control ?? e.closest('[data-chart]')?.dataset.chart ?? e.textContent.trim(); })()`)) as string);
    }
    assert.deepEqual(reached.slice(0, 9), ['smoothing', 'logScale', 'Reset zoom', 'Export PNG', 'Export CSV', 'loss', 'accuracy', 'lr', 'throughput']);
    // Arrow keys on a focused chart move the read-out; the theme's focus border marks the chart.
    await p.page.focus('[data-chart=loss] .chart-plot');
    await p.page.keyboard.press('End');
    await nextFrames(p);
    assert.equal((await legendOf(p, 'loss')).step, String(loss.step[loss.step.length - 1]));
    await p.page.keyboard.press('ArrowLeft');
    await nextFrames(p);
    assert.equal((await legendOf(p, 'loss')).step, String(loss.step[loss.step.length - 2]), 'an arrow moves to the previous point');
    assertClean(p);
    await shoot(p, 'dashboard');
    await p.page.close();
  });

  test('hover read-out, live appends, smoothing, log scale, zoom, export and state after a reload', async () => {
    const { p } = await openDashboard([runA]);
    const loss = runScalars(runA).loss;
    let area = await plotArea(p, 'loss');
    const x0 = loss.step[0];
    let x1 = loss.step[loss.step.length - 1];
    const hover = async (step: number) => {
      area = await plotArea(p, 'loss');
      await p.page.mouse.move(area.pageLeft + ((step - x0) / (x1 - x0)) * area.width, area.pageTop + area.height / 2);
      await nextFrames(p);
      return legendOf(p, 'loss');
    };
    const at = (s: number) => loss.value[loss.step.indexOf(s)];
    let readout = await hover(12);
    assert.deepEqual(readout, { step: '12', 'train batch': short(at(12)), 'train subset': '—', validation: '—', test: '—' });

    // Live: ten more points arrive; the axis grows and the new points read back.
    const steps = Float64Array.from({ length: 10 }, (_, i) => 31 + i);
    const values = Float32Array.from(steps, (s) => 0.3 - (s - 30) * 0.01);
    await p.send({ type: 'scalars', runDir: runA, replace: false, series: { loss: { step: steps, value: values } } });
    // Wait for the (coalesced) live redraw that shows the new points.
    await until(p, `Number(document.querySelector('[data-chart=loss]').dataset.xMax) >= 40`);
    await nextFrames(p);
    x1 = 40;
    readout = await hover(37);
    assert.deepEqual(readout, { step: '37', 'train batch': short(values[6]), 'train subset': '—', validation: '—', test: '—' });

    // Smoothing by keyboard: five steps of 0.01 on the slider; the read-out shows the debiased EMA.
    await p.page.focus('[data-control=smoothing]');
    for (let i = 0; i < 50; i++) await p.page.keyboard.press('ArrowRight');
    const ui = (await p.waitForPosted('uiState')).ui;
    assert.equal(ui.smoothing, 0.5);
    let ema = 0;
    let n = 0;
    const all = [...loss.step.map((s, i) => [s, loss.value[i]]), ...Array.from(steps, (s, i) => [s, values[i]])];
    const smoothed = new Map<number, number>();
    for (const [s, v] of all) {
      ema = Math.fround(ema * 0.5 + 0.5 * Math.fround(v));
      n++;
      smoothed.set(s, ema / (1 - 0.5 ** n));
    }
    const expected = smoothed.get(12)!;
    readout = await hover(12);
    assert.equal(readout['train batch'], String(Number(Math.fround(expected).toPrecision(4))), `smoothed read-out, expected ${expected}`);

    // Log scale by keyboard: the heights become an affine image of log(loss).
    await p.page.focus('[data-control=logScale]');
    await p.page.keyboard.press('Space');
    await nextFrames(p);
    await p.page.mouse.move(0, 0);
    area = await plotArea(p, 'loss');
    const ys = [];
    for (const step of [3, 10, 20]) {
      const x = area.left + ((step - x0) / (x1 - x0)) * area.width;
      ys.push(mean(rowsOfColour(await p.pixels('[data-chart=loss] canvas', x - 1, area.top, 2, area.height), darkBlue)));
    }
    const logs = [3, 10, 20].map((s) => Math.log(smoothed.get(s)!));
    const ratio = (ys[0] - ys[1]) / (ys[0] - ys[2]);
    assert.ok(Math.abs(ratio - (logs[0] - logs[1]) / (logs[0] - logs[2])) < 0.06, `log-scale height ratio ${ratio}`);
    assert.equal((await lastUi(p)).logScale, true);
    // Zoom: drag from step 5 to 15; hovering the left edge then reads a step near 5.
    area = await plotArea(p, 'loss');
    const xOf = (s: number) => area.pageLeft + ((s - x0) / (x1 - x0)) * area.width;
    const uiPostsBefore = (await p.posted()).filter((m) => m.type === 'uiState').length;
    await p.page.mouse.move(xOf(5), area.pageTop + 20);
    await p.page.mouse.down();
    await p.page.mouse.move(xOf(10), area.pageTop + 30, { steps: 4 });
    await p.page.mouse.move(xOf(15), area.pageTop + 30, { steps: 4 });
    await p.page.mouse.up();
    await nextFrames(p);
    const zoom = (await lastUi(p)).zoom as [number, number];
    assert.ok(Math.abs(zoom[0] - 5) < 0.5 && Math.abs(zoom[1] - 15) < 0.5, `zoom ${zoom}`);
    // One drag is one zoom request (the charts mirroring the drag through cursor sync do not ask
    // again), and every chart follows it.
    assert.equal((await p.posted()).filter((m) => m.type === 'uiState').length, uiPostsBefore + 1);
    const windows = (await p.page.evaluate(`[...document.querySelectorAll('[data-chart]')].map((c) => [+c.dataset.xMin, +c.dataset.xMax])`)) as number[][];
    assert.deepEqual(windows, [zoom, zoom, zoom, zoom]);
    await p.page.mouse.move(area.pageLeft + 2, area.pageTop + area.height / 2);
    await nextFrames(p);
    assert.equal((await legendOf(p, 'loss')).step, '5');
    // Escape resets the zoom.
    await p.page.keyboard.press('Escape');
    await nextFrames(p);
    assert.equal((await lastUi(p)).zoom, null);

    // Export PNG: a real PNG with the run's colour in it. Export CSV: one request per run.
    await p.page.getByText('Export PNG').click();
    const png = await p.waitForPosted('exportPng');
    assert.match(png.dataUrl, /^data:image\/png;base64,/);
    const image = PNG.sync.read(Buffer.from(png.dataUrl.split(',')[1], 'base64'));
    assert.ok(image.width > 400 && image.height > 200);
    const asPixels: Pixels = { width: image.width, height: image.height, scale: 1, data: new Uint8Array(image.data) };
    assert.ok(countColour(asPixels, darkBlue) > 100, 'the exported image shows the curves');
    assert.match(png.name, /\.png$/);
    await p.page.getByText('Export CSV').click();
    assert.deepEqual(await p.waitForPosted('exportCsv'), { type: 'exportCsv', runDir: runA });

    // A window reload: the panel restores its choices from the webview state.
    await p.page.reload();
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'dashboard', runDirs: [runA] }, runs: [runSummary(runA)] });
    await p.send({ type: 'scalars', runDir: runA, replace: true, series: toArrays(runScalars(runA)) });
    await nextFrames(p);
    assert.equal(await p.page.inputValue('[data-control=smoothing]'), '0.5');
    assert.equal(await p.page.evaluate('document.querySelector("[data-control=logScale]").checked'), true);
    assert.deepEqual((await p.state())?.ui, { smoothing: 0.5, logScale: true, zoom: null });
    assertClean(p);
    await p.page.close();
  });

  test('100,000 points are drawn downsampled with every pixel column’s extremes; a live run’s axis has headroom', async () => {
    const p = await openPanel(browser, server, 'dashboard');
    await p.waitForPosted('ready');
    const n = 100_000;
    const step = Float64Array.from({ length: n }, (_, i) => i + 1);
    const value = Float32Array.from({ length: n }, (_, i) => 1 + 0.01 * Math.sin(i / 7));
    value[49_999] = 5; // one spike at step 50,000 and one dip at step 70,000
    value[69_999] = 0.2;
    const summary = { ...runSummary(runA), status: 'running' as const, step: n, totalSteps: 2 * n };
    await p.send({ type: 'init', state: { kind: 'dashboard', runDirs: [runA] }, runs: [summary] });
    await p.send({ type: 'scalars', runDir: runA, replace: true, series: { loss: { step, value } } });
    await nextFrames(p);
    const area = await plotArea(p, 'loss');
    const [x0, x1] = ((await p.page.evaluate(`(({ xMin, xMax }) => [+xMin, +xMax])(document.querySelector('[data-chart=loss]').dataset)`)) as number[]);
    assert.equal(x0, 1);
    assert.ok(x1 > n && x1 <= 1.1 * n, `a running run's axis ends past its last step (${x1})`);
    const columnRows = async (s: number) => rowsOfColour(await p.pixels('[data-chart=loss] canvas', area.left + ((s - x0) / (x1 - x0)) * area.width - 1, area.top, 3, area.height), darkBlue);
    const spike = await columnRows(50_000);
    const dip = await columnRows(70_000);
    const plain = await columnRows(30_000);
    assert.ok(Math.min(...spike) < 0.1 * area.height, 'the spike reaches the top of the plot');
    assert.ok(Math.max(...dip) > 0.9 * area.height, 'the dip reaches the bottom of the plot');
    assert.ok(Math.min(...plain) > 0.6 * area.height && Math.max(...plain) < 0.9 * area.height, 'elsewhere the curve stays at 1');
    assertClean(p);
    await p.page.close();
  });

  test('two runs in two colours; a failed run shows its error and Open log; a deleted run keeps its data', async () => {
    const { p, summaries } = await openDashboard([runA, runB]);
    const area = await plotArea(p, 'loss');
    const px = await p.pixels('[data-chart=loss] canvas', area.left, area.top, area.width, area.height);
    assert.ok(countColour(px, darkBlue) > 50 && countColour(px, darkOrange) > 50, 'both runs drawn in their colours');
    assert.deepEqual(Object.keys(await legendOf(p, 'loss')), [
      'step',
      'quickstart · train batch',
      'quickstart · train subset',
      'quickstart · validation',
      'quickstart · test',
      'quickstart-lr · train batch',
      'quickstart-lr · train subset',
      'quickstart-lr · validation',
      'quickstart-lr · test',
    ]);
    await p.send({ type: 'runs', runs: [{ ...summaries[1], status: 'failed', statusReason: 'the trainer died: pid 4242 is gone' }] });
    await nextFrames(p);
    assert.equal(await p.page.locator('.run-error').innerText(), 'the trainer died: pid 4242 is gone Open log');
    await p.page.getByRole('button', { name: 'Open log' }).press('Enter');
    assert.deepEqual(await p.waitForPosted('openLog'), { type: 'openLog', runDir: runB });
    await p.send({ type: 'error', message: 'getScalars failed: EACCES' });
    await nextFrames(p);
    assert.equal(await p.page.getByRole('alert').filter({ hasText: 'EACCES' }).innerText(), 'getScalars failed: EACCES');
    // New data means the failure is over: the banner goes.
    await p.send({ type: 'scalars', runDir: runB, replace: false, series: {} });
    await nextFrames(p);
    assert.equal(await p.page.getByRole('alert').filter({ hasText: 'EACCES' }).count(), 0);
    await p.send({ type: 'runRemoved', runDir: runB });
    await nextFrames(p);
    assert.match(await p.page.getByRole('alert').filter({ hasText: 'deleted' }).innerText(), /Run directory deleted: .*runs-b/);
    const after = await p.pixels('[data-chart=loss] canvas', area.left, area.top, area.width, area.height);
    assert.ok(countColour(after, darkOrange) > 50, 'the deleted run’s curves stay');
    assertClean(p);
    await p.page.close();
  });

  test('the header shows the epoch as "2/3" and the final and the best held-out accuracy of the run’s evaluations', async () => {
    const evals = runEvents(runA).filter((e): e is Extract<RunEvent, { type: 'eval' }> => e.type === 'eval');
    const split = evals.some((e) => e.split === 'validation') ? 'validation' : 'test';
    const heldOut = evals.filter((e) => e.split === split);
    assert.ok(heldOut.length >= 1, 'the run was evaluated');
    let best = heldOut[0];
    for (const e of heldOut) if (e.accuracy > best.accuracy) best = e;
    const last = heldOut.at(-1)!;
    const p = await openPanel(browser, server, 'dashboard');
    await p.waitForPosted('ready');
    const info = JSON.parse(readFileSync(join(runA, 'run.json'), 'utf8')) as { epoch: number; totalSteps: number; stepsPerEpoch: number };
    const epochs = Math.ceil(info.totalSteps / info.stepsPerEpoch);
    const summary: RunSummary = { ...runSummary(runA), epochs, heldOutAccuracy: { split, best: best.accuracy, bestStep: best.step, final: last.accuracy, finalStep: last.step } };
    await p.send({ type: 'init', state: { kind: 'dashboard', runDirs: [runA] }, runs: [summary] });
    await nextFrames(p);
    const pct = (x: number) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
    const facts = await p.page.locator('.run-facts').innerText();
    // The epoch counted from 1, of the run's epochs.
    assert.ok(facts.includes(` · epoch ${info.epoch + 1}/${epochs} · `), facts);
    assert.ok(facts.includes(`${split === 'validation' ? 'val' : 'test'} acc ${pct(last.accuracy)} (best ${pct(best.accuracy)} at step ${best.step})`), facts);
    // Before any evaluation there is nothing to show, and no placeholder.
    await p.send({ type: 'runs', runs: [{ ...summary, heldOutAccuracy: null }] });
    await nextFrames(p);
    assert.ok(!(await p.page.locator('.run-facts').innerText()).includes('acc'));
    assertClean(p);
    await p.send({ type: 'runs', runs: [summary] });
    await p.send({ type: 'scalars', runDir: runA, replace: true, series: toArrays(runScalars(runA)) });
    await nextFrames(p);
    await shoot(p, 'dashboard-heldout');
    await p.page.close();
  });

  test('the header shows the training time, and for a running run the estimate left', async () => {
    const events = runEvents(runA);
    // The tiny run trained in one session: its time is the span of its events.
    const elapsed = (Date.parse(events.at(-1)!.t) - Date.parse(events[0].t)) / 1000;
    assert.ok(elapsed > 0 && elapsed < 59.5, `a run of seconds (${elapsed} s)`);
    const p = await openPanel(browser, server, 'dashboard');
    await p.waitForPosted('ready');
    const done: RunSummary = { ...runSummary(runA), elapsedSeconds: elapsed };
    await p.send({ type: 'init', state: { kind: 'dashboard', runDirs: [runA] }, runs: [done] });
    await nextFrames(p);
    const facts = () => p.page.locator('.run-facts').innerText();
    assert.ok((await facts()).endsWith(` · ${Math.round(elapsed)} s elapsed`), await facts());
    // Running at step 100 of 300, 32 images a step, 64 images/s: 100 s left, shown as 2 min.
    await p.send({ type: 'runs', runs: [{ ...done, status: 'running', step: 100, totalSteps: 300, imagesPerSecond: 64, etaSeconds: (200 * 32) / 64, elapsedSeconds: 12 * 60 + 10 }] });
    await nextFrames(p);
    assert.ok((await facts()).endsWith(' · 12 min elapsed · ≈ 2 min left'), await facts());
    // Runs whose events are not read yet say nothing of time.
    await p.send({ type: 'runs', runs: [{ ...done, elapsedSeconds: undefined }] });
    await nextFrames(p);
    assert.ok(!/elapsed|left/.test(await facts()), await facts());
    assertClean(p);
    await p.page.close();
  });
});

describe('layers', () => {
  /** Relative luminance: viridis gets lighter monotonically from its low end to its high end. */
  function luminance(p: Pixels): number {
    return 0.2126 * p.data[0] + 0.7152 * p.data[1] + 0.0722 * p.data[2];
  }

  /** A heatmap canvas's published geometry. */
  async function geometryOf(p: PanelPage, key: string): Promise<Record<string, string>> {
    return (await p.page.evaluate(`({ ...document.querySelector('[data-heatmap=${key}] .heatmap-canvas').dataset })`)) as Record<string, string>;
  }

  /** The x (CSS px) of a step on a heatmap's step axis: linear between the axis ends it publishes. */
  function xOfStep(geo: Record<string, string>, step: number): number {
    return Number(geo.plotLeft) + ((step - Number(geo.stepMin)) / (Number(geo.stepMax) - Number(geo.stepMin))) * Number(geo.plotWidth);
  }

  test('heatmap cells are coloured in the order of their values; hover and keyboard read-outs; per-layer step; live', async () => {
    const p = await openPanel(browser, server, 'layers');
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'layers', runDirs: [runA] }, runs: [runSummary(runA)] });
    const points = runLayerPoints(runA);
    assert.ok(points.length >= 6, 'introspection every 5 steps');
    await p.send({ type: 'layers', runDir: runA, replace: true, points });
    await nextFrames(p);
    for (const key of ['R', 'srr', 'codeZeroFraction'] as const) {
      const canvas = `[data-heatmap=${key}] .heatmap-canvas`;
      const geo = await geometryOf(p, key);
      assert.equal(Number(geo.cols), points.length);
      assert.equal(Number(geo.rows), points[0].layers.length);
      const cells: { value: number; lum: number }[] = [];
      for (let c = 0; c < points.length; c++) {
        for (let r = 0; r < points[c].layers.length; r++) {
          const x = xOfStep(geo, points[c].step);
          const y = (r + 0.5) * Number(geo.cellHeight);
          cells.push({ value: points[c].layers[r][key], lum: luminance(await p.pixels(canvas, x, y, 1, 1)) });
        }
      }
      const values = cells.map((c) => c.value);
      const span = Math.max(...values) - Math.min(...values);
      let pairs = 0;
      for (const a of cells) {
        for (const b of cells) {
          if (a.value - b.value > 0.05 * span) {
            pairs++;
            assert.ok(a.lum > b.lum, `${key}: a larger value (${a.value} > ${b.value}) is lighter (${a.lum} vs ${b.lum})`);
          }
        }
      }
      assert.ok(pairs > 10, `${key}: enough distinct cells compared (${pairs})`);
    }
    // Hover: the cell of layer 2 at the third step.
    const geo = await geometryOf(p, 'R');
    const box = (await p.page.locator('[data-heatmap=R] .heatmap-canvas').boundingBox())!;
    await p.page.mouse.move(box.x + xOfStep(geo, points[2].step), box.y + 2.5 * Number(geo.cellHeight));
    const R = (c: number, l: number) => points[c].layers.find((x) => x.layer === l)!.R;
    assert.equal(await p.page.locator('[data-heatmap=R] .readout').innerText(), `layer 2 · step ${points[2].step} · R (coding rate) = ${String(Number(R(2, 2).toPrecision(4)))}`);
    // Keyboard: focus selects the latest step; arrows move the selection.
    await p.page.mouse.move(0, 0);
    await p.page.focus('[data-heatmap=R] .heatmap-canvas');
    await p.page.keyboard.press('ArrowLeft');
    await p.page.keyboard.press('ArrowDown');
    const last = points.length - 1;
    assert.equal(await p.page.locator('[data-heatmap=R] .readout').innerText(), `layer 1 · step ${points[last - 1].step} · R (coding rate) = ${String(Number(R(last - 1, 1).toPrecision(4)))}`);

    // Per-layer lines default to the latest step; the slider moves them (and is remembered).
    assert.equal(await p.page.locator('.lines-title').innerText(), `Per layer at step ${points[last].step} (latest)`);
    await p.page.focus('[data-control=step]');
    await p.page.keyboard.press('ArrowLeft');
    await nextFrames(p);
    assert.equal(await p.page.locator('.lines-title').innerText(), `Per layer at step ${points[last - 1].step}`);
    assert.equal((await lastUi(p)).step, points[last - 1].step);
    // The lines' legend reads the metric at a hovered layer.
    const over = (await p.page.locator('[data-lines=srr] .u-over').boundingBox())!;
    await p.page.mouse.move(over.x + over.width - 1, over.y + over.height / 2);
    await nextFrames(p);
    const srrLast = points[last - 1].layers[points[last - 1].layers.length - 1].srr;
    assert.equal(await p.page.locator('[data-lines=srr] .u-series:nth-child(2) .u-value').innerText(), short(srrLast));
    // And from the keyboard: Home goes to the first layer, each arrow press to the next one.
    const lineLegend = () => Promise.all([1, 2].map((n) => p.page.locator(`[data-lines=srr] .u-series:nth-child(${n}) .u-value`).innerText()));
    const atStep = points[last - 1].layers;
    await p.page.focus('[data-lines=srr] [role=group]');
    for (const [key, k] of [['Home', 0], ['ArrowRight', 1], ['ArrowRight', 2], ['ArrowLeft', 1]] as const) {
      await p.page.keyboard.press(key);
      await nextFrames(p);
      assert.deepEqual(await lineLegend(), [String(atStep[k].layer), short(atStep[k].srr)], `after ${key}`);
    }

    // Live: a new introspection step adds a column; the chosen step stays chosen.
    const next = { step: points[last].step + 5, layers: points[last].layers.map((l) => ({ ...l, R: l.R + 1 })) };
    await p.send({ type: 'layers', runDir: runA, replace: false, points: [next] });
    await until(p, `document.querySelector('[data-heatmap=R] .heatmap-canvas').dataset.cols === '${points.length + 1}'`);
    await nextFrames(p);
    assert.equal(await p.page.evaluate(`document.querySelector('[data-heatmap=R] .heatmap-canvas').dataset.cols`), String(points.length + 1));
    assert.equal(await p.page.locator('.lines-title').innerText(), `Per layer at step ${points[last - 1].step}`);
    assertClean(p);
    await shoot(p, 'layers');
    await p.page.close();
  });

  test('columns spaced by step on a ticked step axis; ticked, labelled colour bars; zero-based scale; explanations on hover of the headings', async () => {
    const p = await openPanel(browser, server, 'layers');
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'layers', runDirs: [runA] }, runs: [runSummary(runA)] });
    const all = runLayerPoints(runA);
    // Uneven introspection steps: three close together, then a gap three times as long.
    const points = [all[0], all[1], all[2], all[all.length - 1]];
    const steps = points.map((q) => q.step);
    assert.ok(steps[3] - steps[2] >= 3 * (steps[1] - steps[0]), `an uneven gap in ${steps}`);
    await p.send({ type: 'layers', runDir: runA, replace: true, points });
    await nextFrames(p);
    const canvas = '[data-heatmap=R] .heatmap-canvas';
    const geo = await geometryOf(p, 'R');
    const rgbAt = async (x: number, y: number) => [...(await p.pixels(canvas, x, y, 1, 1)).data.slice(0, 3)] as [number, number, number];
    const same = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) < 4;

    // Columns spaced by step: each step's colour sits at its place on a linear step axis, and
    // the boundary between two columns lies halfway between their steps.
    const cells: { value: number; lum: number }[] = [];
    for (let c = 0; c < points.length; c++) {
      for (let r = 0; r < points[c].layers.length; r++) {
        cells.push({ value: points[c].layers[r].R, lum: luminance(await p.pixels(canvas, xOfStep(geo, steps[c]), (r + 0.5) * 22, 1, 1)) });
      }
    }
    for (const a of cells) for (const b of cells) if (a.value - b.value > 0.05 * (Math.max(...cells.map((x) => x.value)) - Math.min(...cells.map((x) => x.value)))) assert.ok(a.lum > b.lum, `R ${a.value} > ${b.value} is lighter`);
    for (let r = 0; r < points[0].layers.length; r++) {
      const y = (r + 0.5) * 22;
      for (let c = 0; c + 1 < points.length; c++) {
        const mid = xOfStep(geo, (steps[c] + steps[c + 1]) / 2);
        const [left, right] = [await rgbAt(xOfStep(geo, steps[c]), y), await rgbAt(xOfStep(geo, steps[c + 1]), y)];
        if (same(left, right)) continue;
        assert.ok(same(await rgbAt(mid - 3, y), left), `layer ${r}: left of the midpoint between steps ${steps[c]} and ${steps[c + 1]} is step ${steps[c]}'s colour`);
        assert.ok(same(await rgbAt(mid + 3, y), right), `layer ${r}: right of it is step ${steps[c + 1]}'s colour`);
      }
    }
    // The step axis: whole, evenly spaced ticks of 1, 2 or 5 × 10^k, each marked in the text
    // colour under the plot, nothing marked between them.
    const ticks = geo.stepTicks.split(',').map(Number);
    assert.ok(ticks.length >= 2, `ticks ${ticks}`);
    const spacing = ticks[1] - ticks[0];
    assert.ok([1, 2, 5].some((m) => Number.isInteger(Math.log10(spacing / m))), `nice spacing ${spacing}`);
    for (let i = 0; i < ticks.length; i++) {
      assert.ok(Number.isInteger(ticks[i]) && ticks[i] >= steps[0] && ticks[i] <= steps[3] && ticks[i] - ticks[0] === i * spacing, `tick ${ticks[i]}`);
    }
    const foreground = hexRgb(themeVariables('dark')['--vscode-foreground']);
    const axisY = Number(geo.rows) * 22 + 2.5;
    for (const t of ticks) {
      const x = Math.round(xOfStep(geo, t)) + 0.2;
      { const px = await p.pixels(canvas, x, axisY, 1, 1); assert.ok(distance(px, 0, foreground) < 30, `a mark at step ${t} (pixel ${[...px.data]})`); }
      const between = await p.pixels(canvas, Math.round(xOfStep(geo, t + spacing / 2)) + 0.2, axisY, 1, 1);
      if (t + spacing <= steps[3]) assert.equal(between.data[3], 0, `nothing marked between ${t} and ${t + spacing}`);
    }
    assert.ok(ticks.length >= 2);

    // Colour bars: titled with the quantity, ticks at nice values placed where the value lies on
    // the bar, whose ends are the colours of the smallest and largest cells.
    const barTicks = (key: string) => p.page.evaluate(`(() => { const bar = document.querySelector('[data-heatmap=${key}] .colorbar-scale canvas').getBoundingClientRect(); return [...document.querySelectorAll('[data-heatmap=${key}] .colorbar-tick')].map((t) => { const b = t.getBoundingClientRect(); return { text: t.textContent, x: b.left + b.width / 2 - bar.left, width: bar.width }; }); })()`) as Promise<{ text: string; x: number; width: number }[]>;
    const titles: Record<string, string> = { R: 'R (nats)', Rc: 'Rc (nats)', srr: 'density + Rc − R', codeZeroFraction: 'zero fraction' };
    for (const key of ['R', 'Rc', 'srr', 'codeZeroFraction'] as const) {
      assert.equal(await p.page.locator(`[data-heatmap=${key}] .colorbar-title`).innerText(), titles[key]);
      const values = points.flatMap((q) => q.layers.map((l) => l[key]));
      const [lo, hi] = [Math.min(...values), Math.max(...values)];
      const bt = await barTicks(key);
      assert.ok(bt.length >= 2, `${key}: ticks on the colour bar (${bt.map((t) => t.text)})`);
      for (const t of bt) {
        const v = Number(t.text);
        assert.ok(v >= lo - 1e-9 && v <= hi + 1e-9, `${key}: tick ${v} within [${lo}, ${hi}]`);
        assert.ok(Math.abs(t.x - ((v - lo) / (hi - lo)) * t.width) < 1.5, `${key}: tick ${v} at ${t.x} of ${t.width}`);
      }
    }
    const barEnds = async (key: string) => {
      const w = Number(await p.page.evaluate(`document.querySelector('[data-heatmap=${key}] .colorbar-scale canvas').getBoundingClientRect().width`));
      return [await p.pixels(`[data-heatmap=${key}] .colorbar-scale canvas`, 0.5, 5, 1, 1), await p.pixels(`[data-heatmap=${key}] .colorbar-scale canvas`, w - 1, 5, 1, 1)];
    };
    const cellOf = (value: number) => {
      const c = points.findIndex((q) => q.layers.some((l) => l.R === value));
      const r = points[c].layers.findIndex((l) => l.R === value);
      return rgbAt(xOfStep(geo, steps[c]), (r + 0.5) * 22);
    };
    const rValues = points.flatMap((q) => q.layers.map((l) => l.R));
    const [rMin, rMax] = [Math.min(...rValues), Math.max(...rValues)];
    const [barLo, barHi] = await barEnds('R');
    assert.ok(same(await cellOf(rMin), [...barLo.data.slice(0, 3)]), 'the smallest R has the bar’s low-end colour');
    assert.ok(same(await cellOf(rMax), [...barHi.data.slice(0, 3)]), 'the largest R has the bar’s high-end colour');

    // Zero-based scale (remembered): R's bar starts at 0, so the smallest R is no longer the
    // darkest colour; the zero fraction spans its whole range 0–1.
    assert.ok(rMin > 0.2 * rMax, `R well away from 0 (${rMin}…${rMax})`);
    await p.page.focus('[data-control=scale]');
    await p.page.keyboard.press('Enter');
    await p.page.keyboard.press('ArrowDown');
    await p.page.keyboard.press('Enter');
    await nextFrames(p);
    assert.equal((await lastUi(p)).scale, 'zero');
    const zeroTicks = await barTicks('R');
    assert.equal(zeroTicks[0].text, '0');
    assert.ok(Math.abs(zeroTicks[0].x) < 1.5, 'the 0 tick at the bar’s low end');
    assert.ok(Number(zeroTicks.at(-1)!.text) <= rMax && Math.abs(zeroTicks.at(-1)!.x - (Number(zeroTicks.at(-1)!.text) / rMax) * zeroTicks[0].width) < 1.5);
    const [zeroLo] = await barEnds('R');
    assert.ok(luminance(await p.pixels(canvas, xOfStep(geo, steps[points.findIndex((q) => q.layers.some((l) => l.R === rMin))]), (points.find((q) => q.layers.some((l) => l.R === rMin))!.layers.findIndex((l) => l.R === rMin) + 0.5) * 22, 1, 1)) > luminance(zeroLo) + 20, 'the smallest R is lighter than zero’s colour');
    assert.deepEqual((await barTicks('codeZeroFraction')).map((t) => t.text).filter((_t, i, a) => i === 0 || i === a.length - 1), ['0', '1']);
    assert.ok(same(await cellOf(rMax), [...(await barEnds('R'))[1].data.slice(0, 3)]), 'the largest R still has the high-end colour');

    // Each heading explains its metric and which direction is better, on hover and on focus.
    const better: Record<string, RegExp> = { R: /coding rate of the layer’s tokens[\s\S]*Higher is better/, Rc: /subspaces[\s\S]*Lower is better/, srr: /density \+ Rc − R[\s\S]*Lower is better/, codeZeroFraction: /fraction of exact zeros[\s\S]*Higher is better/ };
    for (const [key, pattern] of Object.entries(better)) {
      const tip = p.page.locator(`[data-heatmap=${key}] [role=tooltip]`);
      assert.equal(await tip.isVisible(), false, `${key}: no explanation before hovering`);
      await p.page.hover(`[data-heatmap=${key}] h2`);
      assert.equal(await tip.isVisible(), true, `${key}: the explanation shows on hover`);
      assert.match(await tip.innerText(), pattern);
      await p.page.mouse.move(0, 0);
      assert.equal(await tip.isVisible(), false, `${key}: and hides after`);
    }
    for (const [id, pattern] of [['rates', /Higher is better[\s\S]*Lower is better/], ['srr', /Lower is better/], ['sparsity', /Higher is better/]] as const) {
      await p.page.focus(`[data-lines=${id}] h2`);
      assert.match(await p.page.locator(`[data-lines=${id}] [role=tooltip]`).innerText(), pattern);
    }
    await p.page.locator('[data-lines=sparsity] h2').blur();
    assertClean(p);
    // The screenshots show the zero-based scale and the SRR heading's explanation.
    await p.page.hover('[data-heatmap=srr] h2');
    await shoot(p, 'layers-scale');
    await p.page.close();
  });
});

describe('attention', () => {
  /** The first probe images, normalized as the trainer feeds them (the synthetic set is zero-mean). */
  function probeImages(runDir: string, n: number): ProbeImages {
    const config = parse(readFileSync(join(runDir, 'config.yaml'), 'utf8')) as { data: SyntheticSubspacesSpec };
    const data = openSyntheticSubspaces(config.data, 'test');
    const batch = data.read(Array.from({ length: n }, (_, i) => i));
    return { images: n, channels: data.channels, height: data.height, width: data.width, data: batch.images };
  }

  /** The main map's side in CSS px (it follows the panel's width). */
  async function mainSize(p: PanelPage): Promise<number> {
    return (await p.page.evaluate(`document.querySelector('canvas.overlay-main').getBoundingClientRect().width`)) as number;
  }

  async function mainPixels(p: PanelPage): Promise<Pixels> {
    const size = await mainSize(p);
    return p.pixels('canvas.overlay-main', 0, 0, size, size);
  }

  function pixelDifference(a: Pixels, b: Pixels): number {
    let d = 0;
    for (let i = 0; i < a.data.length; i++) d += Math.abs(a.data[i] - b.data[i]);
    return d / a.data.length;
  }

  test('overlay follows head, opacity and colormap; step change requests maps; heads grid; keyboard', async () => {
    const p = await openPanel(browser, server, 'attention');
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'attention', runDirs: [runA] }, runs: [runSummary(runA)] });
    const message = attentionMessage(runA, Infinity, null);
    const probe = probeImages(runA, message.images);
    await p.send({ ...message, probe });
    await nextFrames(p);
    assert.match(await p.page.locator('.readout').innerText(), new RegExp(`^step ${message.step} · layer 0 · head 0 · image 0`));
    const head0 = await mainPixels(p);

    // Opacity 0 by keyboard: the probe image alone, in gray levels ordered like its pixels.
    await p.page.focus('[data-control=opacity]');
    await p.page.keyboard.press('Home');
    await nextFrames(p);
    const plain = await mainPixels(p);
    const side = message.grid * 4;
    const cell = (await mainSize(p)) / side;
    let checked = 0;
    for (let y = 0; y < side - 1; y += 3) {
      for (let x = 0; x < side; x += 3) {
        const at = (Math.floor((y + 0.5) * cell) * plain.width + Math.floor((x + 0.5) * cell)) * 4;
        assert.equal(plain.data[at], plain.data[at + 1], 'gray');
        const a = probe.data[y * probe.width + x];
        const b = probe.data[(y + 1) * probe.width + x];
        const below = (Math.floor((y + 1.5) * cell) * plain.width + Math.floor((x + 0.5) * cell)) * 4;
        if (Math.abs(a - b) > 0.05) {
          assert.equal(plain.data[at] > plain.data[below], a > b, `lighter where the image is larger: (${x},${y}) ${a} vs ${b}, pixels ${plain.data[at]} vs ${plain.data[below]}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 5, `compared ${checked} pixel pairs`);
    // Opacity 100%: the map alone; its strongest patch is the colormap's top colour (inferno).
    await p.page.keyboard.press('End');
    await nextFrames(p);
    const full = await mainPixels(p);
    const map = message.maps.subarray(0, message.grid * message.grid);
    let peak = 0;
    for (let i = 1; i < map.length; i++) if (map[i] > map[peak]) peak = i;
    const g = (await mainSize(p)) / message.grid;
    const at = (Math.floor((Math.floor(peak / message.grid) + 0.5) * g) * full.width + Math.floor(((peak % message.grid) + 0.5) * g)) * 4;
    assert.ok(Math.hypot(full.data[at] - 0xfc, full.data[at + 1] - 0xff, full.data[at + 2] - 0xa4) < 40, `peak pixel ${full.data.slice(at, at + 3)}`);
    assert.ok(pixelDifference(head0, plain) > 5 && pixelDifference(plain, full) > 5);

    // Head 2 from the grid of heads, by keyboard: the overlay changes to that head's map.
    await p.page.focus('.head-tile[data-head="2"]');
    await p.page.keyboard.press('Enter');
    await nextFrames(p);
    assert.equal(await p.page.getAttribute('.head-tile[data-head="2"]', 'aria-pressed'), 'true');
    assert.equal(await p.page.getAttribute('canvas.overlay-main', 'data-head'), '2');
    assert.ok(pixelDifference(full, await mainPixels(p)) > 5, 'another head, another overlay');
    assert.equal(await p.page.locator('.head-tile').count(), message.heads);
    const tiles = [];
    for (let h = 0; h < message.heads; h++) tiles.push(await p.pixels(`.head-tile[data-head="${h}"] canvas`, 0, 0, 96, 96));
    assert.ok(pixelDifference(tiles[0], tiles[1]) > 5, 'heads differ');

    // Colormap: gray makes the map's pixels gray.
    await p.page.focus('[data-control=colormap]');
    await p.page.keyboard.press('Enter');
    await p.page.keyboard.press('ArrowDown');
    await p.page.keyboard.press('Enter');
    await nextFrames(p);
    assert.equal((await lastUi(p)).colormap, 'gray');
    const gray = await mainPixels(p);
    for (let i = 0; i < gray.data.length; i += 4 * 97) assert.equal(gray.data[i], gray.data[i + 2]);

    // Step: choosing an earlier step asks the host for its maps.
    await p.page.focus('[data-control=step]');
    await p.page.keyboard.press('Enter');
    for (let i = 1; i < message.steps.length; i++) await p.page.keyboard.press('ArrowUp');
    await p.page.keyboard.press('Enter');
    assert.deepEqual(await p.waitForPosted('requestAttention'), { type: 'requestAttention', runDir: runA, step: message.steps[0] });
    await p.send({ ...attentionMessage(runA, message.steps[0], probe) });
    await nextFrames(p);
    assert.match(await p.page.locator('.readout').innerText(), new RegExp(`^step ${message.steps[0]} · layer 0 · head 2`));
    assertClean(p);
    // The screenshots show the default look: inferno at 60%.
    await p.page.focus('[data-control=colormap]');
    await p.page.keyboard.press('Enter');
    await p.page.keyboard.press('ArrowUp');
    await p.page.keyboard.press('Enter');
    await p.page.focus('[data-control=opacity]');
    await p.page.keyboard.press('Home');
    for (let i = 0; i < 12; i++) await p.page.keyboard.press('ArrowRight');
    await nextFrames(p);
    assert.deepEqual([(await lastUi(p)).colormap, (await lastUi(p)).opacity], ['inferno', 0.6]);
    await shoot(p, 'attention');

    // After a reload the choices are back, and the panel asks again for its chosen step.
    await p.page.reload();
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'attention', runDirs: [runA] }, runs: [runSummary(runA)] });
    await p.send({ ...message, probe });
    assert.deepEqual(await p.waitForPosted('requestAttention'), { type: 'requestAttention', runDir: runA, step: message.steps[0] });
    await nextFrames(p);
    assert.equal(await p.page.getAttribute('canvas.overlay-main', 'data-head'), '2');
    assertClean(p);
    await p.page.close();
  });

  test('without probe images the maps are shown alone, with a note; RGB probes in colour', async () => {
    const p = await openPanel(browser, server, 'attention');
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'attention', runDirs: [runA] }, runs: [runSummary(runA)] });
    await p.send(attentionMessage(runA, Infinity, null));
    await nextFrames(p);
    assert.equal(await p.page.locator('.note').innerText(), 'No probe images for this run: the attention maps are shown alone.');
    assert.equal(await p.page.isDisabled('[data-control=opacity]'), true);
    const px = await mainPixels(p);
    // Every pixel is an inferno colour: the darkest end is near black, not a gray image.
    let lightest = 0;
    for (let i = 0; i < px.data.length; i += 4) lightest = Math.max(lightest, px.data[i] + px.data[i + 1]);
    assert.ok(lightest > 400, 'the strongest patch is drawn in the colormap’s light end');
    // RGB probes (3 channels) are shown in colour: left half red, right half blue, at opacity 0.
    const m = attentionMessage(runA, Infinity, null);
    const side = m.grid * 4;
    const rgb = new Float32Array(m.images * 3 * side * side);
    for (let i = 0; i < m.images; i++) {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const at = i * 3 * side * side + y * side + x;
          if (x < side / 2) rgb[at] = 2.5; // red channel, in normalized units
          else rgb[at + 2 * side * side] = 2.5; // blue channel
        }
      }
    }
    await p.send({ ...m, probe: { images: m.images, channels: 3, height: side, width: side, data: rgb } });
    await p.page.focus('[data-control=opacity]');
    await p.page.keyboard.press('Home');
    await nextFrames(p);
    const colour = await mainPixels(p);
    const pixel = (x: number, y: number) => Array.from(colour.data.subarray((Math.round(y * colour.height) * colour.width + Math.round(x * colour.width)) * 4, (Math.round(y * colour.height) * colour.width + Math.round(x * colour.width)) * 4 + 3));
    assert.deepEqual(pixel(0.14, 0.5), [255, 0, 0]);
    assert.deepEqual(pixel(0.87, 0.5), [0, 0, 255]);
    assert.equal(await p.page.locator('.note').isHidden(), true);
    assertClean(p);
    await p.page.close();
  });

  test('map as wide as the panel; patch grid and hover read-out by row and column; shared colour scale with its bar and 1/N; label and prediction; all images', async () => {
    const p = await openPanel(browser, server, 'attention');
    await p.waitForPosted('ready');
    await p.send({ type: 'init', state: { kind: 'attention', runDirs: [runA] }, runs: [runSummary(runA)] });
    const message = attentionMessage(runA, Infinity, null);
    const probe = probeImages(runA, message.images);
    await p.send({ ...message, probe });
    await nextFrames(p);
    const { grid, images } = message;
    const uniform = 1 / (grid * grid + 1); // the CLS row's softmax: the CLS token and grid² patches
    const inferno = colormapTable('inferno');
    const mapAt = (layer: number, image: number, head: number) => {
      const at = ((layer * images + image) * message.heads + head) * grid * grid;
      return message.maps.subarray(at, at + grid * grid);
    };
    const columnWidth = () => p.page.evaluate(`document.querySelector('.main-column').clientWidth`) as Promise<number>;

    // The map fills its column, which takes the panel's width beside the tiles, or all of it when they wrap.
    const wide = await mainSize(p);
    assert.ok(wide > 400, `map ${wide} px wide in a 1100 px panel`);
    assert.ok(Math.abs(wide - (await columnWidth())) <= 1, `map ${wide} px, column ${await columnWidth()} px`);
    await p.page.setViewportSize({ width: 560, height: 900 });
    await until(p, `Math.abs(document.querySelector('canvas.overlay-main').getBoundingClientRect().width - document.querySelector('.main-column').clientWidth) <= 1`);
    const narrow = await mainSize(p);
    assert.ok(narrow < wide && narrow > 480, `map ${narrow} px in a 560 px panel (tiles wrapped below)`);
    await p.page.setViewportSize({ width: 1100, height: 900 });
    await until(p, `document.querySelector('canvas.overlay-main').getBoundingClientRect().width === ${wide}`);

    // Opacity 100%: the map alone. Bilinear by default: a patch is not one colour.
    await p.page.focus('[data-control=opacity]');
    await p.page.keyboard.press('End');
    await nextFrames(p);
    const size = await mainSize(p);
    const cell = size / grid;
    const colourAt = (px: Pixels, x: number, y: number) => {
      const at = (Math.round(y * px.scale) * px.width + Math.round(x * px.scale)) * 4;
      return [px.data[at], px.data[at + 1], px.data[at + 2]];
    };
    const expected = (v: number, [lo, hi]: [number, number]) => {
      const i = Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255))) * 3;
      return [inferno[i], inferno[i + 1], inferno[i + 2]];
    };
    const near = (a: number[], b: number[], what: string) => assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]) <= 3, `${what}: ${a} vs ${b}`);
    const patchesFlat = (px: Pixels, c: number) => {
      let flat = 0;
      for (let r = 0; r < grid; r++) for (let k = 0; k < grid; k++) if (colourAt(px, (k + 0.2) * c, (r + 0.2) * c).join() === colourAt(px, (k + 0.8) * c, (r + 0.8) * c).join()) flat++;
      return flat;
    };
    assert.ok(patchesFlat(await mainPixels(p), cell) < grid * grid / 2, 'bilinear: most patches shade into their neighbours');

    // Patch grid: every patch one block in the colour of its weight on the map's own scale.
    await p.page.click('[data-control=nearest]');
    await nextFrames(p);
    assert.equal((await lastUi(p)).nearest, true);
    let px = await mainPixels(p);
    const map0 = mapAt(0, 0, 0);
    const own: [number, number] = [Math.min(...map0), Math.max(...map0)];
    for (let r = 0; r < grid; r++) {
      for (let k = 0; k < grid; k++) {
        for (const [fx, fy] of [[0.15, 0.15], [0.85, 0.85], [0.5, 0.5]]) near(colourAt(px, (k + fx) * cell, (r + fy) * cell), expected(map0[r * grid + k], own), `patch (${r}, ${k}) at ${fx}`);
      }
    }

    // Hover: the read-out names the patch under the pointer by row and column, with its weight against 1/N.
    const box = (await p.page.locator('canvas.overlay-main').boundingBox())!;
    for (const [r, k] of [[0, 0], [1, grid - 1], [grid - 1, 2]]) {
      await p.page.mouse.move(box.x + (k + 0.5) * cell, box.y + (r + 0.5) * cell);
      const w = map0[r * grid + k];
      assert.equal(await p.page.locator('.patch-readout').innerText(), `patch row ${r}, column ${k}: ${short(w)} = ${short(w / uniform)} × uniform 1/N`);
    }
    await p.page.mouse.move(box.x + size + 40, box.y + 10);
    assert.equal(await p.page.locator('.patch-readout').innerText(), 'Point at a patch for its weight.');

    // The colour bar: five labelled ticks over the map's own range, titled, 1/N named.
    const ticks = async () => (await p.page.locator('.scale-tick').allInnerTexts()).map(Number);
    assert.deepEqual(await ticks(), [0, 1, 2, 3, 4].map((k) => Number(short(own[0] + ((own[1] - own[0]) * k) / 4))));
    assert.match(await p.page.locator('.scale-title').innerText(), new RegExp(`^CLS attention weight \\(each map's own range\\) · uniform 1/N = ${short(uniform)}, N = ${grid * grid + 1} tokens`));

    // Shared 0 to 1: colours compare across heads and steps; 1/N marked on the bar where it lies.
    const pickScale = async (moves: number, key = 'ArrowDown') => {
      await p.page.focus('[data-control=scale]');
      await p.page.keyboard.press('Enter');
      for (let i = 0; i < moves; i++) await p.page.keyboard.press(key);
      await p.page.keyboard.press('Enter');
      await nextFrames(p);
    };
    await pickScale(2);
    assert.equal((await lastUi(p)).scale, 'fixed');
    assert.deepEqual(await ticks(), [0, 0.25, 0.5, 0.75, 1]);
    const markOffset = async () => (await p.page.evaluate(`(() => { const m = document.querySelector('.baseline-mark'); const b = document.querySelector('.colormap-bar'); return m.hidden ? null : m.getBoundingClientRect().left + 1 - b.getBoundingClientRect().left; })()`)) as number | null;
    const mark = await markOffset();
    assert.ok(mark !== null && Math.abs(mark - uniform * size) <= 2, `1/N mark at ${mark} px of ${size}`);
    assert.match(await p.page.locator('.scale-title').innerText(), /the line on the bar$/);
    // The bar's own pixels run through the colormap: the left end dark, the right end light.
    const bar = await p.pixels('.colormap-bar', 0, 0, size, 12);
    near(colourAt(bar, 1, 6), expected(0, [0, 1]), 'bar, low end');
    near(colourAt(bar, size - 1, 6), expected(1, [0, 1]), 'bar, high end');
    for (const head of [0, 1]) {
      if (head === 1) {
        await p.page.click('.head-tile[data-head="1"]');
        await nextFrames(p);
      }
      px = await mainPixels(p);
      const m = mapAt(0, 0, head);
      for (let i = 0; i < grid * grid; i++) near(colourAt(px, ((i % grid) + 0.5) * cell, (Math.floor(i / grid) + 0.5) * cell), expected(m[i], [0, 1]), `head ${head}, patch ${i} on the 0–1 scale`);
    }
    // An earlier step keeps the scale.
    await p.send({ ...attentionMessage(runA, message.steps[0], probe) });
    await nextFrames(p);
    assert.deepEqual(await ticks(), [0, 0.25, 0.5, 0.75, 1]);
    await p.send({ ...message, probe });
    await nextFrames(p);
    // Shared over the step's maps: 0 to the largest weight of every layer, head and image.
    await pickScale(1, 'ArrowUp');
    assert.equal((await lastUi(p)).scale, 'step');
    const stepMax = Math.max(...message.maps);
    assert.deepEqual(await ticks(), [0, 1, 2, 3, 4].map((k) => Number(short((stepMax * k) / 4))));
    px = await mainPixels(p);
    const m1 = mapAt(0, 0, 1);
    for (let i = 0; i < grid * grid; i++) near(colourAt(px, ((i % grid) + 0.5) * cell, (Math.floor(i / grid) + 0.5) * cell), expected(m1[i], [0, stepMax]), `patch ${i} on the step's scale`);

    // Label and prediction of the image shown, from probe.json and the step's attention record.
    const { labels, classNames, predictions } = message;
    assert.ok(labels && classNames && predictions, 'the run recorded labels and predictions');
    const ok = (i: number) => (labels[i] === predictions[i] ? '✓' : '✗');
    const says = (i: number) => `label ${classNames[labels[i]]} · predicted ${classNames[predictions[i]]} ${ok(i)}`;
    assert.equal(await p.page.locator('.probe-caption').innerText(), `Image 0: ${says(0)}`);

    // All images for the chosen layer and head, each with its label and prediction; picking one shows it.
    assert.equal(await p.page.locator('.image-tile').count(), images);
    assert.equal(await p.page.locator('.side-column h2').nth(1).innerText(), 'All images, layer 0, head 1');
    const tileCell = 96 / grid;
    for (let i = 0; i < images; i++) {
      assert.equal(await p.page.locator(`.image-tile[data-image="${i}"] .tile-caption`).innerText(), `${i}: ${classNames[labels[i]]} → ${classNames[predictions[i]]} ${ok(i)}`);
      const tile = await p.pixels(`.image-tile[data-image="${i}"] canvas`, 0, 0, 96, 96);
      const m = mapAt(0, i, 1);
      for (let k = 0; k < grid * grid; k++) near(colourAt(tile, ((k % grid) + 0.5) * tileCell, (Math.floor(k / grid) + 0.5) * tileCell), expected(m[k], [0, stepMax]), `image tile ${i}, patch ${k}`);
    }
    const last = images - 1;
    await p.page.focus(`.image-tile[data-image="${last}"]`);
    await p.page.keyboard.press('Enter');
    await nextFrames(p);
    assert.equal(await p.page.getAttribute('canvas.overlay-main', 'data-image'), String(last));
    assert.equal(await p.page.getAttribute(`.image-tile[data-image="${last}"]`, 'aria-pressed'), 'true');
    assert.equal(await p.page.locator('.probe-caption').innerText(), `Image ${last}: ${says(last)}`);

    // A wrong prediction is marked so (the tiny run gets its probe images right: other classes sent here).
    const wrong = labels.map((l) => (l + 1) % classNames.length);
    await p.send({ ...message, probe, predictions: wrong });
    await nextFrames(p);
    assert.equal(await p.page.locator('.probe-caption').innerText(), `Image ${last}: label ${classNames[labels[last]]} · predicted ${classNames[wrong[last]]} ✗`);
    assert.equal(await p.page.locator('.image-tile[data-image="0"] .tile-caption').innerText(), `0: ${classNames[labels[0]]} → ${classNames[wrong[0]]} ✗`);
    // A run from before probe.json and predictions: the maps as before, and a note instead.
    const { labels: _l, classNames: _c, predictions: _p, ...older } = message;
    await p.send({ ...older, probe });
    await nextFrames(p);
    assert.equal(await p.page.locator('.probe-caption').innerText(), `Image ${last}: label and prediction not recorded in this run`);
    await p.send({ ...message, probe });
    assert.equal(await p.page.locator('.probe-caption').innerText(), `Image ${last}: ${says(last)}`);
    assertClean(p);
    // Screenshots: the patch grid on the step's shared scale at 60% over the image, pointer on a patch.
    await p.page.focus('[data-control=opacity]');
    await p.page.keyboard.press('Home');
    for (let i = 0; i < 12; i++) await p.page.keyboard.press('ArrowRight');
    await p.page.mouse.move(box.x + 1.5 * cell, box.y + 2.5 * cell);
    await nextFrames(p);
    await shoot(p, 'attention-grid-shared-scale');
    await p.page.close();
  });
});

describe('compare', () => {
  function compareResult(dirs: string[]): CompareRunsResult {
    const scalars = dirs.map(runScalars);
    const series: CompareRunsResult['series'] = {};
    for (const key of ['loss', 'accuracy', 'validation.loss', 'validation.accuracy']) {
      const per = scalars.map((s) => s[key] ?? { step: [], value: [] });
      if (per.some((x) => x.step.length > 0)) series[key] = alignSeries(per);
    }
    const final = dirs.map((dir, i) => {
      const s = runSummary(dir);
      const last = (key: string) => scalars[i][key]?.value.at(-1) ?? null;
      const layers = runLayerPoints(dir).at(-1)!.layers;
      const srr = layers.reduce((a, l) => a + l.srr, 0) / layers.length;
      const validationLoss = last('validation.loss');
      const trainSubsetLoss = last('train.loss');
      const heldOutAccuracy = last('validation.accuracy');
      return {
        runDir: dir, id: s.id, status: s.status, step: s.step, trainLoss: last('loss'), trainSubsetLoss, validationLoss, validationAccuracy: heldOutAccuracy,
        testLoss: last('test.loss'), testAccuracy: last('test.accuracy'), srr, generalizationGap: validationLoss! - trainSubsetLoss!, accuracyGap: last('train.accuracy')! - heldOutAccuracy!,
      };
    });
    const configs = dirs.map((d) => parse(readFileSync(join(d, 'config.yaml'), 'utf8')));
    return { runDirs: dirs, series, configDiff: configDiff(configs), final, kendallTau: { tau: kendallTauB(final.map((f) => f.srr), final.map((f) => f.generalizationGap)), runs: dirs.length, stillTraining: 0 } };
  }

  const four = (v: number | null) => (v === null ? '—' : String(Number(v.toPrecision(4))));

  test('curves of both runs, only the differing config keys, exact final numbers, scatter and τ', async () => {
    const p = await openPanel(browser, server, 'compare');
    await p.waitForPosted('ready');
    const dirs = [runA, runB];
    const result = compareResult(dirs);
    await p.send({ type: 'init', state: { kind: 'compare', runDirs: dirs }, runs: dirs.map(runSummary) });
    await p.send({ type: 'compare', result });
    await nextFrames(p);
    // Curves: both runs' colours in the loss chart.
    const canvas = (await p.page.locator('[data-chart=loss] canvas').boundingBox())!;
    const px = await p.pixels('[data-chart=loss] canvas', 0, 0, canvas.width, canvas.height);
    assert.ok(countColour(px, darkBlue) > 50 && countColour(px, darkOrange) > 50);
    // Config diff: a row per run, a column per key that differs (name, lr, introspection interval, runsDir).
    const diffRows = (await p.page.locator('[data-table=config-diff] tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
    assert.deepEqual(diffRows[0].slice(1), result.configDiff.map((d) => d.path));
    const lrColumn = diffRows[0].indexOf('optim.lr');
    assert.ok(lrColumn > 0);
    assert.deepEqual(diffRows.slice(1).map((r) => r[lrColumn]), ['0.002', '0.005']);
    // Final metrics: the numbers given, to four significant digits (accuracies in %), the full value in the tooltip.
    const rows = await p.page.locator('[data-table=final-metrics] tr').allInnerTexts();
    const pct = (v: number) => `${four(v * 100)}%`;
    result.final.forEach((f, i) => {
      const cells = rows[i + 1].split('\t').map((c) => c.trim());
      assert.deepEqual(cells.slice(1), [f.status, String(f.step), four(f.trainLoss!), four(f.trainSubsetLoss!), four(f.validationLoss!), pct(f.validationAccuracy!), four(f.testLoss!), pct(f.testAccuracy!), four(f.srr!), four(f.generalizationGap!), pct(f.accuracyGap!)]);
    });
    assert.equal(await p.page.getAttribute('[data-table=final-metrics] tr:nth-child(2) td:nth-child(4)', 'title'), String(result.final[0].trainLoss));
    // τ as given; the scatter has each run's point in its colour where its values put it.
    assert.equal(await p.page.locator('.tau').innerText(), `Kendall's τ = ${result.kendallTau.tau!.toFixed(3)} over 2 runs`);
    const d = (await p.page.evaluate(`({ ...document.querySelector('.compare-scatter').dataset })`)) as Record<string, string>;
    for (const [i, colour] of [darkBlue, darkOrange].entries()) {
      const f = result.final[i];
      const x = Number(d.plotLeft) + ((f.srr! - Number(d.xMin)) / (Number(d.xMax) - Number(d.xMin))) * Number(d.plotWidth);
      const y = Number(d.plotTop) + (1 - (f.generalizationGap! - Number(d.yMin)) / (Number(d.yMax) - Number(d.yMin))) * Number(d.plotHeight);
      assert.ok(countColour(await p.pixels('.compare-scatter', x - 2, y - 2, 4, 4), colour, 40) >= 12, `run ${i}'s point`);
    }
    // Keyboard: the scatter's arrow keys pick runs in order of SRR measure; the read-out gives the
    // picked run's exact values and a ring marks its point.
    const bySrr = result.final.map((f, i) => ({ f, i })).sort((a, b) => a.f.srr! - b.f.srr!);
    const pointOf = (f: (typeof result.final)[number]) => ({
      x: Number(d.plotLeft) + ((f.srr! - Number(d.xMin)) / (Number(d.xMax) - Number(d.xMin))) * Number(d.plotWidth),
      y: Number(d.plotTop) + (1 - (f.generalizationGap! - Number(d.yMin)) / (Number(d.yMax) - Number(d.yMin))) * Number(d.plotHeight),
    });
    const foreground = hexRgb(themeVariables('dark')['--vscode-foreground']);
    const ringBelow = async (f: (typeof result.final)[number]) => countColour(await p.pixels('.compare-scatter', pointOf(f).x - 1, pointOf(f).y + 9, 3, 3), foreground, 60);
    assert.equal(await ringBelow(bySrr[0].f), 0, 'no ring before a run is picked');
    await p.page.focus('.compare-scatter');
    await p.page.keyboard.press('ArrowRight');
    await nextFrames(p);
    const readout = () => p.page.locator('.scatter-readout').innerText();
    const names = await p.page.locator('[data-table=final-metrics] tr td:first-child').allInnerTexts();
    const expectReadout = (k: number) => `${names[bySrr[k].i].trim()}: SRR measure ${four(bySrr[k].f.srr!)}, generalization gap ${four(bySrr[k].f.generalizationGap!)}`;
    assert.equal(await readout(), expectReadout(0));
    assert.ok((await ringBelow(bySrr[0].f)) > 0, 'a ring around the picked run');
    await p.page.keyboard.press('End');
    await nextFrames(p);
    assert.equal(await readout(), expectReadout(1));
    assert.equal(await ringBelow(bySrr[0].f), 0, 'the ring moved');
    // The curves' read-out: Home and End put the cursor on the first and last step, the legend
    // shows each run's value there.
    const loss = result.series.loss!;
    await p.page.focus('[data-chart=loss] .chart-plot');
    for (const [key, index] of [['Home', 0], ['End', loss.step.length - 1]] as const) {
      await p.page.keyboard.press(key);
      await nextFrames(p);
      const legend = Object.values(await legendOf(p, 'loss'));
      assert.deepEqual(legend, [String(loss.step[index]), ...loss.values.map((v) => four(v[index]))], `legend after ${key}`);
    }
    assertClean(p);
    await shoot(p, 'compare');
    // An undefined τ (fewer than two runs with both values) says so.
    await p.send({ type: 'compare', result: { ...result, kendallTau: { tau: null, runs: 1, stillTraining: 0 } } });
    await nextFrames(p);
    assert.match(await p.page.locator('.tau').innerText(), /^Kendall's τ: undefined \(1 finished run with both values/);
    // Runs still training are left out, and it says so; runs that cannot be compared give the reason instead.
    await p.send({ type: 'compare', result: { ...result, kendallTau: { tau: 0.5, runs: 4, stillTraining: 2 } } });
    await nextFrames(p);
    assert.equal(await p.page.locator('.tau').innerText(), "Kendall's τ = 0.500 over 4 runs; 2 runs still training, left out");
    const refused = 'runs on different data sets cannot be compared: data.kind is "fashion-mnist" in /a but "cifar10" in /b';
    await p.send({ type: 'compare', result: { ...result, kendallTau: { tau: null, runs: 2, stillTraining: 0, refused } } });
    await nextFrames(p);
    assert.equal(await p.page.locator('.tau').innerText(), `Kendall's τ: not computed; ${refused}`);
    assertClean(p);
    await p.page.close();
  });
});
