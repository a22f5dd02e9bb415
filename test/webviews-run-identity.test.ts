// Compare's "Tags and notes" (webviews/compare/runIdentity.ts) in a real Chromium, hosted as VS
// Code hosts the panel, fed two real trainer runs, one tagged from the terminal (`crate-lab train
// --tag --note`): the table's cells, each run's colour, the update when a run is tagged while the
// panel is open. Screenshots in dark, light and high-contrast themes go to test-results/webviews/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { CompareRunsResult, RunSummary } from '../protocol/runData.js';
import { alignSeries } from '../server/runs/runAnalysis.js';
import { repoRoot } from './support/reference.js';
import { exited, spawnCli } from './support/runs.js';
import { runScalars, runSummary } from './support/runMessages.js';
import { launchChromium, openPanel, type PanelPage, type PanelServer, startPanelServer } from './support/webviewPage.js';
import { themeVariables } from './support/vscodeTheme.js';

const shots = join(repoRoot, 'test-results', 'webviews');
let browser: Browser;
let server: PanelServer;
let work: string;
let tagged: string;
let plain: string;

/** A run's summary with its tags and note, as the run manager reads them from annotations.json. */
function summaryOf(dir: string): RunSummary {
  const file = join(dir, 'annotations.json');
  const a = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { tags: string[]; note: string }) : undefined;
  return { ...runSummary(dir), ...(a?.tags.length ? { tags: a.tags } : {}), ...(a?.note ? { note: a.note } : {}) };
}

async function train(name: string, extra: string[]): Promise<string> {
  const config = join(work, `${name}.crate.yaml`);
  writeFileSync(config, [`name: ${name}`, 'backend: wasm', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', 'optim: {batchSize: 16, maxSteps: 4}', 'introspect: {every: 0}', ''].join('\n'));
  const runsDir = join(work, `runs-${name}`);
  const r = await exited(spawnCli(['train', config, '--runs-dir', runsDir, ...extra]));
  assert.equal(r.code, 0, r.stderr);
  return join(runsDir, readdirSync(runsDir).filter((d) => !d.startsWith('.'))[0]);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'crate-identity-'));
  [tagged, plain] = await Promise.all([train('tagged', ['--tag', 'baseline', '--tag', 'seed-0', '--note', 'the reference run\nlr 0.002']), train('plain', [])]);
  mkdirSync(shots, { recursive: true });
  [browser, server] = await Promise.all([launchChromium(), startPanelServer()]);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function compareResult(dirs: string[]): CompareRunsResult {
  const scalars = dirs.map(runScalars);
  return {
    runDirs: dirs,
    series: { loss: alignSeries(scalars.map((s) => s.loss)) },
    configDiff: [],
    final: dirs.map((dir, i) => {
      const s = runSummary(dir);
      return { runDir: dir, id: s.id, status: s.status, step: s.step, trainLoss: scalars[i].loss.value.at(-1)!, trainSubsetLoss: null, validationLoss: null, validationAccuracy: null, testLoss: null, testAccuracy: null, srr: null, generalizationGap: null, accuracyGap: null };
    }),
    kendallTau: { tau: null, runs: 0, stillTraining: 0 },
  };
}

/** The table's rows as [run, tags, note], each row's swatch colour and its run cell's tooltip. */
async function identityRows(p: PanelPage): Promise<{ cells: string[][]; colours: string[]; titles: string[]; hidden: boolean }> {
  return (await p.page.evaluate(`(() => {
    const section = document.querySelector('[data-section=run-identity]');
    const rows = [...section.querySelectorAll('tr')].slice(1);
    return {
      hidden: section.hidden || section.offsetParent === null,
      cells: rows.map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent.trim())),
      colours: rows.map((r) => getComputedStyle(r.querySelector('.swatch')).backgroundColor),
      titles: rows.map((r) => r.querySelector('td').title),
    };
  })()`)) as { cells: string[][]; colours: string[]; titles: string[]; hidden: boolean };
}

function rgbOf(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

test("Compare shows each run's tags and note in the run's colour, follows a tag edited while it is open, and hides the table when no run has any", async () => {
  const p = await openPanel(browser, server, 'compare');
  await p.waitForPosted('ready');
  const dirs = [tagged, plain];
  await p.send({ type: 'init', state: { kind: 'compare', runDirs: dirs }, runs: dirs.map(summaryOf) });
  await p.send({ type: 'compare', result: compareResult(dirs) });
  // Runs by their short labels, as the legend and tables name them (the names differ: the name alone); the full name and id in the tooltip.
  const names = dirs.map((d) => runSummary(d).name);
  let shown = await identityRows(p);
  assert.equal(shown.hidden, false);
  assert.deepEqual(shown.titles, dirs.map((d) => `${runSummary(d).name} (${runSummary(d).id})`));
  assert.deepEqual(shown.cells, [
    [names[0], '#baseline #seed-0', 'the reference run\nlr 0.002'],
    [names[1], '', ''],
  ]);
  // The runs' colours, as the curves draw them (the theme's charts.blue and charts.orange first).
  const theme = themeVariables('dark');
  assert.deepEqual(shown.colours, [rgbOf(theme['--vscode-charts-blue']), rgbOf(theme['--vscode-charts-orange'])]);
  // The two-line note keeps its lines.
  const rowHeights = await Promise.all([1, 2].map(async (i) => (await p.page.locator('[data-table=run-identity] tr').nth(i).boundingBox())!.height));
  assert.ok(rowHeights[0] > rowHeights[1] * 1.5, `the noted run's row holds two lines: ${rowHeights.join(' px vs ')} px`);
  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    await p.setTheme(theme);
    await p.page.waitForTimeout(150);
    await p.page.locator('[data-section=run-identity]').screenshot({ path: join(shots, `compare-tags-${theme}.png`) });
  }
  await p.setTheme('dark');
  // The plain run tagged while the panel is open: the runs update shows it.
  await p.send({ type: 'runs', runs: [{ ...summaryOf(plain), tags: ['ablation'] }] });
  shown = await identityRows(p);
  assert.deepEqual(shown.cells[1], [names[1], '#ablation', '']);
  // No run with tags or a note: no table.
  await p.send({ type: 'runs', runs: dirs.map((d) => ({ ...runSummary(d) })) });
  shown = await identityRows(p);
  assert.equal(shown.hidden, true);
  assert.deepEqual(p.problems, [], 'no console errors, page errors or CSP violations');
  await p.page.close();
});
