// Runs inside VS Code's extension host (code-server), loaded through `extensionTestsPath`: the
// commands' logic against the real extension, language server and trainer. Bundled by
// test/vscode-extension-host.test.ts; `run()` throws on the first failure, which makes the
// runner's exit code non-zero.
import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CrateLabApi } from '../../extension/main.js';
import { readSettings } from '../../extension/settings.js';
import { LaunchRequest, StopRequest } from '../../protocol/customMessages.js';
import type { LaunchResult, LaunchSweepResult, RunSummary, SweepCommandResult } from '../../protocol/runData.js';
import { loadConfigFile, stringifyConfig } from '../../trainer/config/index.js';
import { readEventsFrom } from '../../trainer/run/eventsReader.js';
import { waitFor } from '../support/waitFor.js';

const tests: [string, (api: CrateLabApi, folder: string) => Promise<void>][] = [];
const test = (name: string, f: (api: CrateLabApi, folder: string) => Promise<void>) => tests.push([name, f]);

const runIn = (api: CrateLabApi, dir: string): RunSummary | undefined => api.runs().find((r) => r.dir === dir);

test('every contributed command is registered', async () => {
  const manifest = vscode.extensions.getExtension('crate-lab.crate-lab')!.packageJSON as { contributes: { commands: { command: string }[] } };
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
  assert.deepEqual(missing, []);
});

test('New Run Config writes the quickstart template and never overwrites', async (_api, folder) => {
  const first = (await vscode.commands.executeCommand<string[]>('crateLab.newConfig', { template: 'quickstart', folder }))!;
  const second = (await vscode.commands.executeCommand<string[]>('crateLab.newConfig', { template: 'quickstart', folder }))!;
  assert.equal(path.basename(first[0]), 'quickstart.crate.yaml');
  assert.equal(path.basename(second[0]), 'quickstart-2.crate.yaml');
  assert.match(readFileSync(first[0], 'utf8'), /kind: synthetic-subspaces/);
  const ablation = (await vscode.commands.executeCommand<string[]>('crateLab.newConfig', { template: 'ablation', folder }))!;
  assert.deepEqual(ablation.map((f) => path.relative(folder, f)).sort(), ['ablation/crate.crate.yaml', 'ablation/decoupled.crate.yaml', 'ablation/overcomplete.crate.yaml', 'ablation/residual.crate.yaml']);
});

test('a config with errors is refused, pointing at the Problems panel', async (_api, folder) => {
  const file = path.join(folder, 'broken.crate.yaml');
  writeFileSync(file, 'model:\n  width: 50\n  heads: 4\n');
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  await waitFor('diagnostics of broken.crate.yaml', () => vscode.languages.getDiagnostics(uri).length > 0, 30_000);
  const result = await vscode.commands.executeCommand('crateLab.train', { configUri: uri.toString() });
  assert.equal(result, undefined);
  assert.ok(!existsSync(path.join(folder, 'runs')) || api0!.runs().every((r) => r.name !== 'broken'), 'no run was started');
});

let api0: CrateLabApi | undefined;
let launched: LaunchResult | undefined;

test('Launch Training Run starts the config, shows the run and opens its dashboard', async (api, folder) => {
  const config = path.join(folder, 'quickstart.crate.yaml');
  launched = (await vscode.commands.executeCommand<LaunchResult>('crateLab.train', { configUri: vscode.Uri.file(config).toString() }))!;
  assert.ok(launched && existsSync(launched.runDir), 'a run directory exists');
  await waitFor('the run in the Runs model', () => runIn(api, launched!.runDir));
  assert.ok(api.openPanels().includes(`dashboard:${launched.runDir}`), `dashboard open (panels: ${api.openPanels().join(', ')})`);
  await waitFor('a few training steps', () => (runIn(api, launched!.runDir)?.step ?? 0) >= 3);
});

test('Show Layer Metrics and Show Attention Maps open panels of the run', async (api) => {
  await vscode.commands.executeCommand('crateLab.showLayers', { runDir: launched!.runDir });
  await vscode.commands.executeCommand('crateLab.showAttention', { runDir: launched!.runDir });
  assert.ok(api.openPanels().includes(`layers:${launched!.runDir}`));
  assert.ok(api.openPanels().includes(`attention:${launched!.runDir}`));
});

test('Stop Run checkpoints and marks the run stopped', async (api) => {
  const stopped = await vscode.commands.executeCommand<RunSummary>('crateLab.stop', { runDir: launched!.runDir });
  assert.equal(stopped?.status, 'stopped');
  assert.equal(runIn(api, launched!.runDir)?.status, 'stopped');
});

test('Export Run writes every scalar at full fidelity as CSV', async (_api, folder) => {
  const file = path.join(folder, 'export.csv');
  await vscode.commands.executeCommand('crateLab.exportRun', { runDir: launched!.runDir, format: 'csv', file });
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const events = readEventsFrom(path.join(launched!.runDir, 'events.jsonl'), 0).events.filter((e) => e.type === 'scalars');
  assert.equal(lines.length - 1 >= events.length, true, 'a row per logged step at least');
  const loss = header.indexOf('loss');
  const byStep = new Map(lines.slice(1).map((l) => l.split(',')).map((cells) => [Number(cells[0]), cells]));
  for (const e of events) assert.equal(Math.fround(Number(byStep.get(e.step)![loss])), Math.fround(e.loss), `loss at step ${e.step}`);
});

test('Export Run → Everything runs crate-lab export into a folder (CSV, TensorBoard events); a refused export is an error message', async (_api, folder) => {
  const dir = path.join(folder, 'export-all');
  const out = await vscode.commands.executeCommand<string>('crateLab.exportRun', { runDir: launched!.runDir, format: 'folder', outDir: dir });
  assert.equal(out, dir);
  const names = readdirSync(dir);
  for (const f of ['scalars.csv', 'layers.csv', 'README.txt', 'tensorboard']) assert.ok(names.includes(f), `${f} in ${names.join(', ')}`);
  assert.equal(readdirSync(path.join(dir, 'tensorboard')).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
  const losses = readFileSync(path.join(dir, 'scalars.csv'), 'utf8').trim().split('\n').map((l) => l.split(',')).filter(([, key]) => key === 'loss');
  const events = readEventsFrom(path.join(launched!.runDir, 'events.jsonl'), 0).events.filter((e) => e.type === 'scalars');
  assert.deepEqual(losses.map(([step, , value]) => [Number(step), Number(value)]), events.map((e) => [e.step, e.loss]), 'every loss as logged');
  // The folder now has files: without force the CLI refuses, and the command reports it instead of throwing.
  assert.equal(await vscode.commands.executeCommand('crateLab.exportRun', { runDir: launched!.runDir, format: 'folder', outDir: dir }), undefined);
  assert.equal(await vscode.commands.executeCommand('crateLab.exportRun', { runDir: launched!.runDir, format: 'folder', outDir: dir, force: true }), dir);
});

test('Resume Run continues the stopped run in the same directory', async (api) => {
  const resumed = (await vscode.commands.executeCommand<LaunchResult>('crateLab.resume', { runDir: launched!.runDir }))!;
  assert.equal(resumed.runDir, launched!.runDir);
  await waitFor('the run running again', () => runIn(api, launched!.runDir)?.status === 'running');
  await vscode.commands.executeCommand('crateLab.stop', { runDir: launched!.runDir });
});

test('Compare Runs opens a compare panel of the given runs', async (api, folder) => {
  const second = (await vscode.commands.executeCommand<LaunchResult>('crateLab.train', { configUri: vscode.Uri.file(path.join(folder, 'quickstart-2.crate.yaml')).toString() }))!;
  await waitFor('the second run to train', () => (runIn(api, second.runDir)?.step ?? 0) >= 2);
  await vscode.commands.executeCommand('crateLab.stop', { runDir: second.runDir });
  const dirs = await vscode.commands.executeCommand<string[]>('crateLab.compareRuns', { configUri: '', runDirs: [launched!.runDir, second.runDir] });
  assert.deepEqual(dirs, [launched!.runDir, second.runDir]);
  assert.ok(api.openPanels().includes(`compare:${[launched!.runDir, second.runDir].sort().join('|')}`));
});

test('New Run Config asks for a name and makes it unique against the configs of the folder and the runs of its runs directory', async (_api, folder) => {
  const newConfig = (args?: { template: string; folder: string; name: string }) => vscode.commands.executeCommand<string[] | undefined>('crateLab.newConfig', args);
  // quickstart.crate.yaml and quickstart-2.crate.yaml exist (and have runs): the next is -3, its name inside too.
  const third = (await newConfig({ template: 'quickstart', folder, name: 'quickstart' }))!;
  assert.equal(path.basename(third[0]), 'quickstart-3.crate.yaml');
  assert.match(readFileSync(third[0], 'utf8'), /^name: quickstart-3$/m);
  // A name no file has but a run of the runs directory has (a config since renamed or deleted).
  const handmade = path.join(folder, 'runs', 'tuned-by-hand');
  mkdirSync(handmade, { recursive: true });
  const t = new Date().toISOString();
  writeFileSync(path.join(handmade, 'run.json'), JSON.stringify({ id: 'tuned-by-hand', name: 'tuned', configHash: 'x', status: 'completed', pid: 1, host: 'here', backend: 'cpu', step: 1, epoch: 0, totalSteps: 1, createdAt: t, updatedAt: t, heartbeat: t }));
  // A config whose file name differs from its name: the name is what its runs are called.
  writeFileSync(path.join(folder, 'renamed.crate.yaml'), 'name: picked  # its runs are "picked"\nmodel: {arch: crate-alpha, depth: 1, width: 8, heads: 2}\n');
  try {
    assert.equal(path.basename((await newConfig({ template: 'quickstart', folder, name: 'tuned' }))![0]), 'tuned-2.crate.yaml');
    assert.equal(path.basename((await newConfig({ template: 'quickstart', folder, name: 'picked.crate.yaml' }))![0]), 'picked-2.crate.yaml');
    // Several configs: a folder of that name, each config named NAME-<file>.
    const study = (await newConfig({ template: 'ablation', folder, name: 'my study' }))!;
    assert.deepEqual(study.map((f) => path.relative(folder, f)).sort(), ['crate', 'decoupled', 'overcomplete', 'residual'].map((f) => path.join('my study', `${f}.crate.yaml`)));
    assert.match(readFileSync(path.join(folder, 'my study', 'residual.crate.yaml'), 'utf8'), /^name: "my study-residual"$/m);
    // A name that cannot be a file name is refused (an error message, no file).
    assert.equal(await newConfig({ template: 'quickstart', folder, name: 'a/b' }), undefined);
    assert.ok(!existsSync(path.join(folder, 'a')));
    // Asked: the pick list of templates, then the name, offered free (accepted as offered here).
    const asked = vscode.commands.executeCommand<string[] | undefined>('crateLab.newConfig');
    let answered: string[] | undefined | null = null;
    void asked.then((r) => (answered = r));
    await waitFor('the questions answered', async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 300));
      return answered !== null;
    }, 30_000);
    assert.equal(path.basename(answered![0]), 'quickstart-4.crate.yaml');
  } finally {
    rmSync(handmade, { recursive: true });
    rmSync(path.join(folder, 'renamed.crate.yaml'));
  }
});

test('Edit Run Tags and Edit Run Note write the run’s annotations.json through the server; the Runs view shows them', async (api) => {
  const dir = launched!.runDir;
  const tagged = await vscode.commands.executeCommand<RunSummary>('crateLab.editRunTags', { runDir: dir, tags: ['baseline', 'seed-0,quick'] });
  assert.deepEqual(tagged?.tags, ['baseline', 'seed-0', 'quick']);
  const noted = await vscode.commands.executeCommand<RunSummary>('crateLab.editRunNote', { runDir: dir, note: 'the first quickstart' });
  assert.deepEqual([noted?.tags, noted?.note], [['baseline', 'seed-0', 'quick'], 'the first quickstart']);
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'annotations.json'), 'utf8')), { version: 1, tags: ['baseline', 'seed-0', 'quick'], note: 'the first quickstart' });
  const item = await waitFor('the tags in the Runs view', () => api.runsTree().find((n) => n.id === dir && n.description.startsWith('#baseline #seed-0 #quick · stopped · ')), 30_000);
  assert.equal(item.contextValue, 'run.stopped');
  // A bad tag is refused with a message; the run keeps its tags.
  assert.equal(await vscode.commands.executeCommand('crateLab.editRunTags', { runDir: dir, tags: ['x'.repeat(65)] }), undefined);
  assert.deepEqual(runIn(api, dir)?.tags, ['baseline', 'seed-0', 'quick']);
  // Edited on disk (another window, a hand edit): the view follows.
  writeFileSync(path.join(dir, 'annotations.json'), JSON.stringify({ version: 1, tags: ['baseline', 'by-hand'], note: 'the first quickstart' }));
  await waitFor('the hand edit in the Runs view', () => api.runsTree().find((n) => n.id === dir && n.description.startsWith('#baseline #by-hand · stopped')), 30_000);
});

test('Filter Runs by tag and by status: the view shows only those runs and names the filter; Clear Runs Filter shows them all', async (api) => {
  const top = () => api.runsTree().map((n) => n.id);
  const all = top();
  assert.ok(all.length >= 2, `runs to filter: ${all.join(', ')}`);
  try {
    await vscode.commands.executeCommand('crateLab.filterRuns', { tags: ['by-hand'] });
    assert.deepEqual(top(), [launched!.runDir]);
    assert.deepEqual(api.runsViewText(), { description: 'Filter: #by-hand', message: `Showing 1 of ${api.runs().length} runs: filter #by-hand.` });
    await vscode.commands.executeCommand('crateLab.filterRuns', { statuses: ['stopped'] });
    const stopped = api.runs().filter((r) => r.status === 'stopped').map((r) => r.dir);
    assert.ok(stopped.length >= 2);
    assert.deepEqual([...top()].sort(), [...stopped].sort());
    assert.equal(api.runsViewText().description, 'Filter: stopped');
    // Both: a run must pass each; none here is completed and tagged by-hand.
    await vscode.commands.executeCommand('crateLab.filterRuns', { tags: ['by-hand'], statuses: ['completed'] });
    assert.deepEqual(top(), []);
    assert.match(api.runsViewText().message ?? '', /^No run matches the filter #by-hand · completed/);
  } finally {
    await vscode.commands.executeCommand('crateLab.clearRunsFilter');
  }
  assert.deepEqual(top(), all);
  assert.deepEqual(api.runsViewText(), { description: undefined, message: undefined });
});

test('Delete Run removes a stopped run and the Runs model forgets it', async (api) => {
  const target = api.runs().find((r) => r.dir !== launched!.runDir && r.status === 'stopped')!;
  assert.ok(target, 'a stopped run to delete');
  assert.equal(await vscode.commands.executeCommand('crateLab.deleteRun', { runDir: target.dir }, { confirmed: true }), true);
  assert.ok(!existsSync(target.dir));
  await waitFor('the run to leave the model', () => !runIn(api, target.dir));
});

test('Launch Sweep: the Runs view groups the members under their sweep, collapsed, with the counts; Compare Sweep opens them; Stop and Resume Sweep answer', async (api, folder) => {
  const config = path.join(folder, 'grid.crate.yaml');
  writeFileSync(
    config,
    [
      'name: grid',
      'backend: wasm',
      'model: {arch: crate, depth: 1, width: 16, heads: 2}',
      'data: {kind: synthetic-subspaces, trainSize: 256, testSize: 32}',
      'optim: {batchSize: 32, maxSteps: 20, lr: 0.003, warmup: 3}',
      'introspect: {every: 0}',
      'sweep:',
      '  grid:',
      '    model.arch: [crate, crate-c]',
      '  seeds: [0, 1]',
      '',
    ].join('\n'),
  );
  const launched = (await vscode.commands.executeCommand<LaunchSweepResult>('crateLab.launchSweep', { configUri: vscode.Uri.file(config).toString(), scheduler: 'local', parallel: 2 }))!;
  assert.ok(launched && existsSync(path.join(launched.sweepDir, 'sweep.json')), 'a sweep folder exists');
  const record = JSON.parse(readFileSync(path.join(launched.sweepDir, 'sweep.json'), 'utf8')) as { name: string; members: { index: number; values: Record<string, unknown> }[] };
  const group = await waitFor('the finished sweep in the Runs view', () => api.runsTree().find((n) => n.id === launched.sweepDir && n.description === '4 done · 0 running · 0 queued · 0 failed'), 180_000);
  assert.equal(group.label, record.name);
  assert.equal(group.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
  assert.equal(group.contextValue, 'sweep.idle');
  // The members beneath, in member order, named by their values (from sweep.json, read here).
  const expected = record.members.map((m) => `#${m.index} ${Object.entries(m.values).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`);
  assert.deepEqual(group.children.map((c) => c.label), expected);
  assert.ok(group.children.every((c) => c.contextValue === 'run.completed'));
  // Not listed again at the top level.
  const memberDirs = group.children.map((c) => c.id);
  assert.ok(api.runsTree().every((n) => !memberDirs.includes(n.id)), 'members only under their sweep');
  assert.ok(api.runsTree().some((n) => n.contextValue.startsWith('run.')), 'plain runs stay at the top level');

  const compared = await vscode.commands.executeCommand<string[]>('crateLab.compareSweep', { sweepDir: launched.sweepDir });
  assert.deepEqual([...compared!].sort(), [...memberDirs].sort());
  assert.ok(api.openPanels().includes(`compare:${[...memberDirs].sort().join('|')}`), api.openPanels().join(', '));

  // Once the scheduler has recorded the end (sweep.json; it exits right after): stop and resume
  // answer with the CLI's status lines. (A stop racing the scheduler's own exit can fail in the
  // CLI: see the report of issue 14.)
  const recorded = () => (JSON.parse(readFileSync(path.join(launched.sweepDir, 'sweep.json'), 'utf8')) as { members: { state: string }[] }).members.every((m) => m.state === 'completed');
  await waitFor('sweep.json to record the end', recorded, 60_000);
  await new Promise((r) => setTimeout(r, 1000));
  const cliLogs = () => {
    const logs = path.join(path.dirname(launched.sweepDir), '.logs');
    return readdirSync(logs).filter((f) => f.includes('-sweep-')).sort().map((f) => `${f}:\n${readFileSync(path.join(logs, f), 'utf8')}`).join('\n');
  };
  const stopped = await vscode.commands.executeCommand<SweepCommandResult>('crateLab.stopSweep', { sweepDir: launched.sweepDir });
  assert.match(stopped?.output ?? '', /4 completed/, cliLogs());
  const resumed = await vscode.commands.executeCommand<SweepCommandResult>('crateLab.resumeSweep', { sweepDir: launched.sweepDir });
  assert.match(resumed?.output ?? '', /4 completed/, cliLogs());
});

test('Filter Runs with sweeps: a sweep shows with its runs that pass, and not at all when none does', async (api) => {
  const sweep = api.runsTree().find((n) => n.contextValue.startsWith('sweep.'));
  assert.ok(sweep && sweep.children.length === 4, 'the sweep of the step before, with its four members');
  try {
    await vscode.commands.executeCommand('crateLab.filterRuns', { statuses: ['completed'] });
    const completed = api.runsTree();
    assert.deepEqual(completed.find((n) => n.id === sweep.id)?.children.map((c) => c.id), sweep.children.map((c) => c.id));
    assert.ok(completed.every((n) => n.id === sweep.id || n.contextValue === 'run.completed'), JSON.stringify(completed.map((n) => n.contextValue)));
    // Tag one member: filtered by that tag, the sweep shows with that member only.
    await vscode.commands.executeCommand('crateLab.editRunTags', { runDir: sweep.children[2].id, tags: ['pick-me'] });
    await waitFor('the member tagged', () => api.runs().find((r) => r.dir === sweep.children[2].id)?.tags?.includes('pick-me'), 30_000);
    await vscode.commands.executeCommand('crateLab.filterRuns', { tags: ['pick-me'] });
    assert.deepEqual(api.runsTree().map((n) => [n.id, n.children.map((c) => c.id)]), [[sweep.id, [sweep.children[2].id]]]);
    await vscode.commands.executeCommand('crateLab.filterRuns', { statuses: ['stopped'] });
    assert.ok(!api.runsTree().some((n) => n.id === sweep.id), 'no member is stopped: no sweep');
  } finally {
    await vscode.commands.executeCommand('crateLab.clearRunsFilter');
  }
});

test("a workspace's settings cannot name the trainer's Node.js (the executable the extension spawns)", async (_api, folder) => {
  // A folder's .vscode/settings.json setting both: the resource setting applies (so the file was
  // read), the machine one is ignored.
  const file = path.join(folder, '.vscode', 'settings.json');
  mkdirSync(path.dirname(file), { recursive: true });
  // The same for the extra sbatch arguments (sbatch runs jobs in the user's name).
  writeFileSync(file, JSON.stringify({ 'crateLab.defaultBackend': 'cpu', 'crateLab.trainerNodePath': '/tmp/not-node-at-all', 'crateLab.slurm.extraArgs': ['--wrap=touch /tmp/owned'] }));
  try {
    await waitFor('the workspace settings to be read', () => readSettings().defaultBackend === 'cpu', 30_000);
    assert.equal(readSettings().trainerNodePath, '');
    assert.deepEqual(readSettings()['slurm.extraArgs'], []);
  } finally {
    rmSync(file);
    await waitFor('the workspace settings to be gone', () => readSettings().defaultBackend === '', 30_000);
  }
});

test('changing crateLab.runsDirectory takes effect: the language server restarts watching the new folder', async (api, folder) => {
  // A copy of a finished run in a folder nothing watches yet.
  const elsewhere = path.join(folder, 'elsewhere-runs');
  const copy = path.join(elsewhere, path.basename(launched!.runDir));
  cpSync(launched!.runDir, copy, { recursive: true });
  await vscode.commands.executeCommand('crateLab.refreshRuns');
  assert.equal(runIn(api, copy), undefined, 'not listed before the setting names its folder');
  const settings = vscode.workspace.getConfiguration('crateLab');
  await settings.update('runsDirectory', elsewhere, vscode.ConfigurationTarget.Workspace);
  try {
    await waitFor('the copied run in the Runs model', () => runIn(api, copy), 60_000);
  } finally {
    await settings.update('runsDirectory', undefined, vscode.ConfigurationTarget.Workspace);
  }
  rmSync(elsewhere, { recursive: true });
  await waitFor('the copied run to leave the model', () => !runIn(api, copy), 60_000);
});

test("changing crateLab.trainerNodePath takes effect: the next launch's trainer runs on the Node.js it names", async (api, folder) => {
  const settings = vscode.workspace.getConfiguration('crateLab');
  const missing = path.join(folder, 'no-such-node');
  await settings.update('trainerNodePath', missing, vscode.ConfigurationTarget.Global);
  try {
    const config = path.join(folder, 'quickstart.crate.yaml');
    assert.equal(readSettings().trainerNodePath, missing);
    // The restart is asynchronous: launch until the server says the new executable cannot start.
    let last = '';
    // By method name: this bundle's RequestType objects are not the extension bundle's.
    const launch = LaunchRequest.method as unknown as typeof LaunchRequest.type;
    const stop = StopRequest.method as unknown as typeof StopRequest.type;
    await waitFor('a launch refused for the missing Node.js', async () => {
      const error = await api.server.sendRequest(launch, { configPath: config }).then(
        async (r) => {
          last = `launched ${r.runDir}`;
          await api.server.sendRequest(stop, { runDir: r.runDir }).catch(() => undefined);
          // The old server still answers: ask again a little later, not at polling speed.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          return undefined;
        },
        (e: Error) => e,
      );
      if (error) last = error.message;
      return error?.message.includes('no-such-node could not be started');
    }, 60_000).catch((e: Error) => assert.fail(`${e.message}; last: ${last}`));
  } finally {
    await settings.update('trainerNodePath', undefined, vscode.ConfigurationTarget.Global);
  }
});

test('editor and Runs view (issue 16, item 8): quick fixes for a divisibility error; a diverging run reads "⚠ diverging" and marks its config', async (api, folder) => {
  // The quick fixes VS Code gets from the language server, applied as VS Code applies them.
  const fixFile = path.join(folder, 'fixes.crate.yaml');
  writeFileSync(fixFile, 'model:\n  arch: crate-alpha\n  depth: 1\n  width: 100\n  heads: 3\ndata: {kind: synthetic-subspaces}\n');
  const fixUri = vscode.Uri.file(fixFile);
  const editor = await vscode.window.showTextDocument(fixUri);
  const isError = (d: vscode.Diagnostic) => d.severity === vscode.DiagnosticSeverity.Error;
  const error = await waitFor('the divisibility error', () => vscode.languages.getDiagnostics(fixUri).find(isError), 30_000);
  const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', fixUri, error.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
  assert.deepEqual(actions.map((a) => a.title), ['Set heads to 2', 'Set heads to 4', 'Set width to 99', 'Set width to 102']);
  assert.ok(await vscode.workspace.applyEdit(actions[1].edit!), 'the edit applies');
  assert.match(editor.document.getText(), /^ {2}heads: 4$/m);
  await waitFor('no error after the fix', () => !vscode.languages.getDiagnostics(fixUri).some(isError), 30_000);

  // A finished run whose last 20 training losses (3.5) are above 2 · ln 4 ≈ 2.77, written as the trainer writes one.
  const configFile = path.join(folder, 'diverging.crate.yaml');
  writeFileSync(configFile, 'name: diverging\nmodel: {arch: crate-alpha, depth: 1, width: 8, heads: 2}\ndata: {kind: synthetic-subspaces, classes: 4}\noptim:\n  lr: 0.005\n  warmup: 10\nrunsDir: diverging-runs\n');
  const runDir = path.join(folder, 'diverging-runs', 'run-1');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(path.join(runDir, 'config.yaml'), stringifyConfig(loadConfigFile(configFile).config));
  const t = new Date().toISOString();
  writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ id: 'run-1', name: 'diverging', configHash: 'x', status: 'completed', pid: 1, host: 'h', backend: 'cpu', step: 40, epoch: 0, totalSteps: 40, createdAt: t, updatedAt: t, heartbeat: t }));
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ type: 'scalars', t, step: i + 1, epoch: 0, loss: i < 20 ? 1.3 : 3.5, lr: 0.005, imagesPerSecond: 100 }));
  writeFileSync(path.join(runDir, 'events.jsonl'), `${lines.join('\n')}\n`);
  // Opening the config has its runs directory watched.
  const configUri = vscode.Uri.file(configFile);
  await vscode.window.showTextDocument(configUri);
  const row = await waitFor('the run in the Runs view', () => api.runsTree().find((n) => n.id === runDir), 30_000);
  assert.match(row.description, /^completed · ⚠ diverging · step 40\/40/);
  const warning = await waitFor('the diverging warning on the config', () => vscode.languages.getDiagnostics(configUri).find((d) => d.code === 'run-diverging'), 30_000);
  assert.equal(warning.message, 'run run-1 is diverging: mean loss 3.50 over steps 21–40 > 2 × ln 4 = 2.77; try a lower optim.lr');
  assert.equal(warning.range.start.line, 4);
});

export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<CrateLabApi>('crate-lab.crate-lab');
  assert.ok(extension, 'the extension is installed');
  const api = await extension.activate();
  api0 = api;
  await api.ready;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'a workspace folder is open');
  const failures: string[] = [];
  for (const [name, f] of tests) {
    const t0 = Date.now();
    try {
      await f(api, folder);
      console.log(`✔ ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      console.log(`✖ ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      failures.push(name);
      break; // later tests build on earlier ones
    }
  }
  if (failures.length > 0) throw new Error(`extension-host tests failed: ${failures.join('; ')}`);
}
