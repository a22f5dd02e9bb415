// The whole product in a real VS Code (code-server) driven through Chromium, as a user would:
// the packaged .vsix installed, a workspace with the quickstart config; launch from the palette,
// the run in the Runs view, the dashboard's loss curve growing while it trains, the Layers and
// Attention panels showing data, stop, resume (checked on disk), compare two runs (their final
// metrics against their events.jsonl). Screenshots go to test-results/vscode/. Under CI=true a
// missing VS Code fails these tests instead of skipping.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import type { RunEvent } from '../trainer/run/format.js';
import { events, exited, runInfo, spawnCli } from './support/runs.js';
import { waitFor } from './support/waitFor.js';
import { installExtension, startCodeServer, tempDirs, vscodeGate, type CodeServer } from './support/codeServer.js';
import { launchChromium, openWorkbench, runCommand, screenshot, showViewContainer, waitForTreeItem, waitForWorkbench, webviewFrame, withScreenshotOnFailure, type Workbench } from './support/workbench.js';

const root = join(__dirname, '..');
const gate = vscodeGate();

/** The quickstart, much longer (it trains until stopped) and introspecting often. */
function workspaceConfig(folder: string): void {
  const text = readFileSync(join(root, 'examples', 'quickstart.crate.yaml'), 'utf8')
    .replace(/epochs: \d+/, 'epochs: 1000')
    .replace(/introspect:\n  every: \d+/, 'introspect:\n  every: 4');
  writeFileSync(join(folder, 'quickstart.crate.yaml'), text);
}

/** What the page shows, read until `ok` holds (a read that fails while the page changes counts as not yet). */
function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
  return waitFor(what, () => read().then((v) => (ok(v) ? v : undefined), () => undefined), timeoutMs);
}

function stopTrainers(runsDir: string, only?: string): void {
  if (!existsSync(runsDir)) return;
  for (const id of readdirSync(runsDir)) {
    if (only !== undefined && id !== only) continue;
    try {
      const info = JSON.parse(readFileSync(join(runsDir, id, 'run.json'), 'utf8')) as { pid: number; status: string };
      if (info.status === 'running' || info.status === 'stopping') process.kill(info.pid, 'SIGKILL');
    } catch {
      // not a run, or its trainer is gone already
    }
  }
}

/** The run directories in `runsDir`, oldest first (their names start with the start time). */
function runDirs(runsDir: string): string[] {
  return readdirSync(runsDir).filter((d) => !d.startsWith('.')).sort().map((d) => join(runsDir, d));
}

/**
 * What the compare panel should list for a run, from its events.jsonl (written by the trainer):
 * each column's value as the cell's tooltip gives it, 'not recorded' where there is none. Losses
 * and accuracies at float32, the precision the server keeps series in (as scalars.bin does).
 */
function finalMetricsFromEvents(runDir: string): Record<string, string> {
  const all = events(runDir);
  const last = <K extends RunEvent['type']>(type: K, keep: (e: Extract<RunEvent, { type: K }>) => boolean = () => true) =>
    all.filter((e): e is Extract<RunEvent, { type: K }> => e.type === type && keep(e as Extract<RunEvent, { type: K }>)).at(-1);
  const scalars = last('scalars');
  const validation = last('eval', (e) => e.split === 'validation');
  const test = last('eval', (e) => e.split === 'test');
  const paired = last('eval', (e) => e.train !== undefined);
  const layers = last('layers');
  const shown = (v: number | undefined) => (v === undefined ? 'not recorded' : String(v));
  const f32 = (v: number | undefined) => (v === undefined ? undefined : Math.fround(v));
  return {
    step: shown(scalars?.step),
    'train loss (mini-batch)': shown(f32(scalars?.loss)),
    'training-subset loss': shown(f32(paired?.train?.loss)),
    'validation loss': shown(f32(validation?.loss)),
    'validation accuracy': shown(f32(validation?.accuracy)),
    'test loss': shown(f32(test?.loss)),
    'test accuracy': shown(f32(test?.accuracy)),
    // docs/models.md: the mean over layers of the SRR measure; the gaps are those of the last
    // evaluation with a training subset (docs/run-directory.md): held-out − training-subset loss,
    // training-subset − held-out accuracy, each a float32 series value.
    'SRR measure': shown(layers && layers.layers.reduce((sum, l) => sum + l.srr, 0) / layers.layers.length),
    'generalization gap': shown(paired?.train && f32(paired.loss - paired.train.loss)),
    'accuracy gap': shown(paired?.train && f32(paired.train.accuracy - paired.accuracy)),
  };
}

/** The compare panel's final-metrics table: per run row, the cell of each column (by header), numbers as their exact tooltip, the run as its tooltip's "name (id)" (the cell shows a short label). */
function finalMetricsTable(compare: FrameLocator): Promise<Array<Record<string, string>>> {
  return compare.locator('[data-table=final-metrics] tr').evaluateAll((rows) => {
    const [header, ...body] = rows as HTMLTableRowElement[];
    const columns = Array.from(header.cells).map((c) => c.textContent!.trim());
    return body.map((r) => Object.fromEntries(Array.from(r.cells).map((c, i) => [columns[i], c.classList.contains('num') ? c.title : c.classList.contains('run-label') ? c.title.split('\n')[0] : c.textContent!.trim()])));
  });
}

/** Accepts the quick pick's row matching `label` once it is shown. */
async function pick(page: Page, label: RegExp, timeoutMs = 30_000): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click({ timeout: timeoutMs });
}

/**
 * Runs `command` and accepts its pick list's row matching `label`. A webview that finishes
 * loading takes the focus and closes an open pick list (Playwright then finds the row "not
 * stable" or gone; the command did nothing): run the command again then, up to three times.
 */
async function commandWithPick(page: Page, command: string, label: RegExp): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, command);
    if (await pick(page, label, 15_000).then(() => true, () => false)) return;
    assert.ok(attempt < 3, `the ${command} pick list closed three times`);
  }
}

describe('CRATE Lab in VS Code (packaged .vsix)', { skip: gate.skip }, () => {
  const temp = tempDirs('crate-lab-e2e-');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let wb: Workbench;
  let folder: string | undefined;

  before(async () => {
    gate.check();
    const vsix = join(temp.make('vsix'), 'crate-lab.vsix');
    const packaged = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), vsix], { encoding: 'utf8' });
    assert.equal(packaged.status, 0, `npm run package failed:\n${packaged.stderr}`);
    const state = temp.make('state');
    const dirs = { home: join(state, 'home'), userDataDir: join(state, 'user-data'), extensionsDir: join(state, 'extensions') };
    await installExtension(vsix, dirs);
    folder = temp.make('workspace');
    workspaceConfig(folder);
    server = await startCodeServer({ folder, ...dirs, timeoutMs: 90_000 });
    browser = await launchChromium();
    wb = await openWorkbench(browser, server.url, { timeoutMs: 120_000 });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    // Trainers are detached and outlive VS Code: stop the ones this test started.
    if (folder) stopTrainers(join(folder, 'runs'));
    temp.cleanup();
  });

  let dashboard: FrameLocator;
  /** A test whose failure leaves a screenshot of the workbench in test-results/vscode/. */
  const step = (name: string, timeout: number, body: () => Promise<void>) =>
    test(name, { timeout }, () => withScreenshotOnFailure(wb.page, `e2e-${name.slice(0, 40)}`, body));

  step('launch from the palette: the run appears in the Runs view and the dashboard opens', 180_000, async () => {
    const { page } = wb;
    await runCommand(page, 'CRATE Lab: Launch Training Run', { timeoutMs: 90_000 });
    await showViewContainer(page, 'CRATE Lab');
    await waitForTreeItem(page, /quickstart/, { view: 'Runs', timeoutMs: 90_000 });
    dashboard = await webviewFrame(page, { title: 'Dashboard: quickstart', timeoutMs: 120_000 });
    await screenshot(page, 'e2e-1-launched');
  });

  step('the dashboard loss curve gains points while it trains', 180_000, async () => {
    // The chart's visible step window ends at its newest point.
    const lastStep = () => dashboard.locator('[data-chart="loss"]').getAttribute('data-x-max').then(Number);
    const first = await until('loss points', lastStep, (n) => n >= 2, 120_000);
    const later = await until('more loss points', lastStep, (n) => n > first + 2, 120_000);
    assert.ok(later > first);
    await screenshot(wb.page, 'e2e-2-dashboard');
  });

  step('the Layers and Attention panels render data', 180_000, async () => {
    const { page } = wb;
    await runCommand(page, 'CRATE Lab: Show Layer Metrics');
    const layers = await webviewFrame(page, { title: 'Layers: quickstart', timeoutMs: 60_000 });
    await until('layer heatmap columns', () => layers.locator('[data-heatmap=R] .heatmap-canvas').getAttribute('data-cols').then(Number), (n) => n >= 1, 120_000);
    await screenshot(page, 'e2e-3-layers');
    await runCommand(page, 'CRATE Lab: Show Attention Maps');
    const attention = await webviewFrame(page, { title: 'Attention: quickstart', timeoutMs: 60_000 });
    await until('a tile per head', () => attention.locator('.head-tile').count(), (n) => n === 4, 120_000);
    await until('the read-out of the shown map', () => attention.locator('.readout').first().innerText(), (t) => /^step \d+ · layer \d+ · head \d+/.test(t), 30_000);
    await screenshot(page, 'e2e-4-attention');
  });

  step('stop, then resume from the palette', 240_000, async () => {
    const { page } = wb;
    const [runDir] = runDirs(join(folder!, 'runs'));
    await commandWithPick(page, 'CRATE Lab: Stop Run', /quickstart/);
    await waitForTreeItem(page, /stopped/, { view: 'Runs', timeoutMs: 120_000 });
    const stopped = runInfo(runDir);
    assert.equal(stopped.status, 'stopped');
    await screenshot(page, 'e2e-5-stopped');
    await commandWithPick(page, 'CRATE Lab: Resume Run', /quickstart/);
    // The Runs view's row reads "quickstart 19:31:02, running, step 130/32000 · …" to a screen reader.
    const row = page.locator('.monaco-list-row[role="treeitem"]').filter({ hasText: /quickstart/ }).first();
    const progress = (label: string | null) => /, (running|completed), step (\d+)\//.exec(label ?? '');
    await until(`the Runs view to show the run training past step ${stopped.step}`, () => row.getAttribute('aria-label'), (label) => Number(progress(label)?.[2]) > stopped.step, 120_000);
    // On disk: the same run trains on from the step it stopped at.
    const info = runInfo(runDir);
    assert.ok(info.status === 'running' || info.status === 'completed', `run.json says ${info.status}`);
    assert.ok(info.step > stopped.step, `run.json step ${info.step}, stopped at ${stopped.step}`);
    assert.ok(events(runDir).some((e) => e.type === 'scalars' && e.step === stopped.step + 1), `no scalars event of step ${stopped.step + 1}`);
    await screenshot(page, 'e2e-6-resumed');
  });

  step('compare two runs', 300_000, async () => {
    const { page } = wb;
    // A finished run beside a live one. (With both training, at ~15 steps a second each on these
    // 2 cores, the workbench fell tens of seconds behind — the Runs view, the pick list, a new
    // panel's first data — while no process was busy: noted on issue 17, not solved here.)
    const [first] = runDirs(join(folder!, 'runs'));
    const stopFirst = await exited(spawnCli(['stop', first]));
    assert.equal(stopFirst.code, 0, stopFirst.stderr);
    await waitFor('the first run stopped', () => runInfo(first).status === 'stopped' || undefined, 60_000);
    await runCommand(page, 'CRATE Lab: Launch Training Run');
    // Its dashboard opens once the trainer has started (the keyboard stays where it was).
    await page.locator('.tabs-container .tab').filter({ hasText: 'Dashboard: quickstart' }).nth(1).waitFor({ state: 'visible', timeout: 120_000 });
    await webviewFrame(page, { timeoutMs: 60_000 }).then((f) => f.locator('[data-chart=loss]').waitFor({ timeout: 60_000 }));
    // A webview that finishes loading takes the focus and closes an open quick pick: try again then.
    const compareTab = page.locator('.tabs-container .tab').filter({ hasText: 'Compare: 2 runs' });
    // What a failed attempt may leave in the console: Enter on a list that lost its picks.
    const retryErrors: RegExp[] = [];
    for (let attempt = 1; ; attempt++) {
      await runCommand(page, 'CRATE Lab: Compare Runs');
      // Pick both runs: the quick pick's "select all" toggle (unless all are picked already: the
      // Runs view's selection is preselected, and a click would then clear them), then OK.
      const toggleAll = page.locator('.quick-input-widget .quick-input-header [role="checkbox"]');
      // Its own pick list (the palette's rows would match the row locator too).
      const picked = await page
        .locator('.quick-input-widget input[placeholder="Pick two or more runs"]')
        .waitFor({ state: 'visible', timeout: 30_000 })
        .then(() => page.locator('.quick-input-widget .quick-input-list .monaco-list-row').nth(1).waitFor({ state: 'visible', timeout: 30_000 }))
        .then(async () => {
          if ((await toggleAll.getAttribute('aria-checked')) !== 'true') await toggleAll.click({ timeout: 5_000 });
        })
        .then(() => page.keyboard.press('Enter'))
        .then(() => compareTab.waitFor({ state: 'visible', timeout: 15_000 }))
        .then(() => true, () => false);
      if (picked) break;
      retryErrors.push(/CRATE Lab: pick at least two runs to compare/);
      assert.ok(attempt < 3, 'the Compare Runs pick list closed three times');
    }
    const compare = await webviewFrame(page, { title: 'Compare: 2 runs', timeoutMs: 60_000 });
    // A header row and one row per run.
    await until('final metrics of two runs', () => compare.locator('[data-table=final-metrics] tr').count(), (n) => n === 3, 60_000);
    // Stopped, the runs' final metrics hold still: each row is a run, named, with its events' numbers.
    const dirs = runDirs(join(folder!, 'runs'));
    assert.equal(dirs.length, 2);
    for (const dir of dirs) {
      const stop = await exited(spawnCli(['stop', dir]));
      assert.equal(stop.code, 0, stop.stderr);
    }
    const rows = await until('both runs stopped in the comparison', () => finalMetricsTable(compare), (r) => r.length === 2 && r.every((row) => row.status === 'stopped'), 60_000);
    for (const dir of dirs) {
      const info = runInfo(dir);
      const row = rows.find((r) => r.run === `${info.name} (${info.id})`);
      assert.ok(row, `no row names ${info.name} (${info.id}): ${rows.map((r) => r.run).join(', ')}`);
      const expected = finalMetricsFromEvents(dir);
      assert.equal(expected.step, String(info.step), 'the last event is of the step run.json gives');
      assert.deepEqual(row, { run: `${info.name} (${info.id})`, status: 'stopped', ...expected }, `final metrics of ${info.id}`);
    }
    await screenshot(page, 'e2e-7-compare');
    // Up to here nothing went wrong on purpose: no errors in the window's console.
    assert.deepEqual(wb.unexpectedErrors().filter((e) => !retryErrors.some((re) => re.test(e))), []);
  });

  step('a run that fails at start: its error and a link to the log', 180_000, async () => {
    const { page } = wb;
    // The language server only checks that the folder exists; the trainer finds it empty.
    mkdirSync(join(folder!, 'empty'));
    writeFileSync(join(folder!, 'bad-data.crate.yaml'), 'name: bad-data\nmodel: {arch: crate-alpha, depth: 1, width: 8, heads: 2, patch: 7}\ndata: {kind: fashion-mnist, dir: ./empty}\n');
    // Each launch writes a log in runs/.logs; none means the pick list closed before the pick (a
    // webview that updates takes the focus): launch again then.
    const logs = join(folder!, 'runs', '.logs');
    const logCount = async () => (existsSync(logs) ? readdirSync(logs).length : 0);
    for (let attempt = 1; ; attempt++) {
      const before = await logCount();
      await runCommand(page, 'CRATE Lab: Launch Training Run');
      const launched = await pick(page, /bad-data/)
        .then(() => until('the launch log', logCount, (n) => n > before, 15_000))
        .then(() => true, () => false);
      if (launched) break;
      assert.ok(attempt < 3, 'the Launch Training Run pick list closed three times');
    }
    // The error is a notification with an "Open Log" button, listed in the notification centre.
    await runCommand(page, 'Notifications: Show Notifications');
    const notification = page.locator('.notifications-center .notification-list-item').filter({ hasText: /exited before starting/ }).first();
    await notification.waitFor({ state: 'visible', timeout: 90_000 });
    assert.match(await notification.innerText(), /empty/);
    await notification.getByRole('button', { name: 'Open Log' }).click();
    await page.locator('.tabs-container .tab').filter({ hasText: /train.*\.log/ }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await screenshot(page, 'e2e-8-failed-start');
  });

  step('a run directory deleted while its dashboard is open: the panel says so and keeps its data', 120_000, async () => {
    const { page } = wb;
    const runsDir = join(folder!, 'runs');
    const newest = readdirSync(runsDir).filter((d) => !d.startsWith('.')).sort().at(-1)!;
    stopTrainers(runsDir, newest);
    await new Promise((r) => setTimeout(r, 500));
    rmSync(join(runsDir, newest), { recursive: true, force: true });
    // Two dashboards are titled alike: the deleted run's one shows the banner and keeps its curve.
    const tabs = page.locator('.tabs-container .tab').filter({ hasText: 'Dashboard: quickstart' });
    const bannerShown = async () => {
      for (let i = 0; i < (await tabs.count()); i++) {
        await tabs.nth(i).click();
        const f = await webviewFrame(page, { timeoutMs: 20_000 });
        if ((await f.locator('.banner').filter({ hasText: 'Run directory deleted' }).count()) > 0) return Number(await f.locator('[data-chart=loss]').getAttribute('data-x-max'));
      }
      return undefined;
    };
    const lastStep = await until('the deleted-run banner', bannerShown, (v) => v !== undefined, 60_000);
    assert.ok(lastStep! > 0, 'the data stays drawn');
    await screenshot(page, 'e2e-9-deleted');
  });

  step('after a window reload the panels come back with their data', 180_000, async () => {
    const { page } = wb;
    await page.reload();
    await waitForWorkbench(page, 120_000);
    const layers = await webviewFrame(page, { title: 'Layers: quickstart', timeoutMs: 120_000 });
    await until('layer heatmap columns after the reload', () => layers.locator('[data-heatmap=R] .heatmap-canvas').getAttribute('data-cols').then(Number), (n) => n >= 1, 120_000);
    await screenshot(page, 'e2e-10-reloaded');
  });

  step('a local sweep with --parallel 2 launched from its code lens finishes across a window reload, and the Runs view shows it', 420_000, async () => {
    const { page } = wb;
    const runsDir = join(folder!, 'runs');
    writeFileSync(
      join(folder!, 'grid.crate.yaml'),
      [
        'name: grid',
        'backend: wasm',
        'model: {arch: crate, depth: 1, width: 16, heads: 2}',
        'data: {kind: synthetic-subspaces, trainSize: 256, testSize: 32}',
        'optim: {batchSize: 32, maxSteps: 150, lr: 0.003, warmup: 3}',
        'introspect: {every: 0}',
        'sweep:',
        '  grid:',
        '    model.arch: [crate, crate-c]',
        '  seeds: [0, 1]',
        '',
      ].join('\n'),
    );
    // Open the config and click its code lens "▶ Sweep (4 runs)" on the sweep: line.
    await runCommand(page, 'Go to File...');
    await page.keyboard.type('grid.crate.yaml', { delay: 5 });
    await pick(page, /grid\.crate\.yaml/);
    const lens = page.locator('.codelens-decoration a').filter({ hasText: '▶ Sweep (4 runs)' });
    await lens.waitFor({ state: 'visible', timeout: 120_000 });
    await lens.click();
    await pick(page, /local/);
    // How many at a time: type it (the list filters to the row) and accept.
    await page.locator('.quick-input-widget').filter({ hasText: 'members at a time' }).waitFor({ state: 'visible', timeout: 60_000 });
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    // sweep.json is written last: a folder with it is a whole sweep.
    const sweepId = await waitFor('the sweep folder', () => (existsSync(runsDir) ? readdirSync(runsDir).find((d) => d.startsWith('grid-sweep-') && existsSync(join(runsDir, d, 'sweep.json'))) : undefined), 120_000);
    const sweepDir = join(runsDir, sweepId);
    const record = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')) as { parallel: number; scheduler: string };
    assert.deepEqual([record.scheduler, record.parallel], ['local', 2]);
    const members = () =>
      readdirSync(runsDir).flatMap((d) => {
        try {
          const info = runInfo(join(runsDir, d)) as ReturnType<typeof runInfo> & { sweep?: { id: string } };
          return info.sweep?.id === sweepId ? [info] : [];
        } catch {
          return [];
        }
      });
    try {
      await showViewContainer(page, 'CRATE Lab');
      await waitForTreeItem(page, /grid.*[12] running/, { view: 'Runs', timeoutMs: 120_000 });
      // Reload while members train (the sweep's scheduler is a detached process: it goes on).
      assert.ok(members().filter((m) => m.status === 'completed').length < 4, 'the reload comes before the sweep ends');
      await page.reload();
      await waitForWorkbench(page, 120_000);
      await showViewContainer(page, 'CRATE Lab', { timeoutMs: 120_000 });
      await waitForTreeItem(page, /grid.*4 done · 0 running · 0 queued · 0 failed/, { view: 'Runs', timeoutMs: 300_000 });
      const done = members();
      assert.equal(done.length, 4);
      assert.ok(done.every((m) => m.status === 'completed' && m.step === 150), JSON.stringify(done.map((m) => [m.status, m.step])));
      await screenshot(page, 'e2e-11-sweep');
    } finally {
      spawnSync(process.execPath, [join(root, 'dist', 'trainer', 'cli.js'), 'sweep', 'stop', sweepDir], { encoding: 'utf8' });
    }
  });

  step('a tagged run, the Runs view filtered by its tag, the status bar, and a quick fix, in light, dark and high-contrast themes', 150_000, async () => {
    const { page } = wb;
    const runsDir = join(folder!, 'runs');
    const [runDir] = runDirs(runsDir).filter((d) => existsSync(join(d, 'run.json')) && runInfo(d).name === 'quickstart');
    await showViewContainer(page, 'CRATE Lab');
    // Tag the quickstart run through the command's pick list and input box.
    await commandWithPick(page, 'CRATE Lab: Edit Run Tags…', /quickstart/);
    await page.locator('.quick-input-widget').filter({ hasText: 'tags of' }).waitFor({ state: 'visible', timeout: 30_000 });
    await page.keyboard.type('e2e-tag', { delay: 5 });
    await page.keyboard.press('Enter');
    // The row shows the tag as the user reads it: "#e2e-tag · stopped · …".
    const row = await waitForTreeItem(page, /quickstart/, { view: 'Runs', timeoutMs: 30_000 });
    await until('the tag in the run\'s row', () => row.innerText(), (t) => /#e2e-tag · stopped/.test(t), 30_000);
    // Filter by it: the sweep's rows go, and the view says what it hides. (Runs is its
    // container's only view, so its header, with the description "Filter: #e2e-tag", is hidden:
    // the view's message is what the user sees.)
    await commandWithPick(page, 'CRATE Lab: Filter Runs…', /#e2e-tag/);
    await page.keyboard.press('Enter');
    await page.locator('.part.sidebar').getByText(/^Showing 1 of \d+ runs: filter #e2e-tag\.$/).first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('.part.sidebar .pane-header .description').first().textContent(), 'Filter: #e2e-tag');
    const rows = page.locator('.part.sidebar .monaco-list-row[role="treeitem"]');
    await until('only the tagged run in the Runs view', () => rows.allInnerTexts(), (t) => t.length === 1 && /quickstart/.test(t[0]), 30_000);
    // The run's row opens its dashboard and the status bar names it: "quickstart STEP/TOTAL".
    await row.click();
    const info = runInfo(runDir);
    const status = page.locator('.part.statusbar .statusbar-item').filter({ hasText: /quickstart \d+\/\d+/ }).first();
    await until('the focused run in the status bar', () => status.innerText().then((t) => t.trim()), (t) => t === `quickstart ${info.step}/${info.totalSteps}`, 30_000);
    // A config whose width 3 heads do not divide: the error, then the quick fixes at it (Ctrl+.).
    writeFileSync(join(folder!, 'heads.crate.yaml'), ['name: heads', 'model:', '  arch: crate-alpha', '  depth: 1', '  width: 100', '  heads: 3', 'data: {kind: synthetic-subspaces}', ''].join('\n'));
    await runCommand(page, 'Go to File...');
    await page.keyboard.type('heads.crate.yaml', { delay: 5 });
    await pick(page, /heads\.crate\.yaml/);
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 60_000 });
    // F8 moves the cursor to the error and shows its message, once the editor has the keyboard
    // (a webview finishing its load may take it first: click the text, and press again).
    const marker = page.locator('.marker-widget').first();
    for (let attempt = 1; ; attempt++) {
      await page.locator('.monaco-editor .view-line').filter({ hasText: 'heads: 3' }).first().click();
      await page.keyboard.press('F8');
      if (await marker.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false)) break;
      assert.ok(attempt < 3, 'F8 showed no error in heads.crate.yaml three times');
    }
    assert.match(await marker.innerText(), /width 100 is not divisible by heads 3/);
    await page.keyboard.press('Escape');
    const menu = page.locator('.action-widget').first();
    const fixes = ['Set heads to 2', 'Set heads to 4', 'Set width to 99', 'Set width to 102'];
    const openQuickFixes = async () => {
      if (!(await menu.isVisible())) await page.keyboard.press('Control+Period');
      return until('the quick-fix menu', () => menu.innerText(), (t) => fixes.every((f) => t.includes(f)), 30_000);
    };
    await openQuickFixes();
    // The colour themes, picked with Preferences: Color Theme as a user would (the pick closes
    // the menu: it is opened again); the workbench's class says which theme applies.
    // [name, what to type, the picker's row (VS Code dropped the "Default " prefix), the workbench's class]
    const themes = [
      ['light', 'Light Modern', /^(Default )?Light Modern$/, 'vs'],
      ['dark', 'Dark Modern', /^(Default )?Dark Modern$/, 'vs-dark'],
      ['high-contrast', 'High Contrast', /^(Default|Dark) High Contrast$/, 'hc-black'],
    ] as const;
    const workbenchClasses = async () => ((await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '').split(/\s+/);
    const pickTheme = async (typed: string, theme: RegExp) => {
      await runCommand(page, 'Preferences: Color Theme');
      // The list fills once the themes are loaded; typing before that filters nothing.
      const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
      await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.keyboard.type(typed, { delay: 5 });
      const row = rows.filter({ has: page.getByText(theme) }).first();
      await row.waitFor({ state: 'visible', timeout: 15_000 });
      await row.click();
    };
    const initial = await workbenchClasses();
    try {
      for (const [name, typed, theme, themeClass] of themes) {
        await pickTheme(typed, theme);
        await until(`the ${name} theme`, workbenchClasses, (c) => c.includes(themeClass), 30_000);
        await openQuickFixes();
        await screenshot(page, `e2e-identity-editor-${name}`);
      }
    } finally {
      await page.keyboard.press('Escape');
      const back = themes.find(([, , , themeClass]) => initial.includes(themeClass));
      // A failed restore must not hide the step's own failure.
      if (back) await pickTheme(back[1], back[2]).catch(() => {});
    }
  });
});
