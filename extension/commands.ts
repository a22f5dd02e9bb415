// The "CRATE Lab" commands (package.json contributes.commands), registered from one typed table in
// rust-analyzer's createCommands() shape: each handler's parameters are checked against its
// command's arguments in protocol/commands.ts. Each takes what its callers pass — a code lens's
// argument, a Runs-view item, a URI from the explorer — or asks with a pick list when called from
// the palette.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CommandArgs } from './commandCalls.js';
import type { ServerConnection } from './serverConnection.js';
import {
  type CommandName,
  commands,
  type EditRunNoteArguments,
  type EditRunTagsArguments,
  type ExportArguments,
  type LaunchSweepArguments,
  type NewConfigArguments,
  type RunArgument as AnyRunArgument,
  type RunsFilter,
  type SweepArgument,
  type TrainArguments,
} from '../protocol/commands.js';
import { AnnotateRunRequest, GetScalarsRequest, NamesInUseRequest, LaunchRequest, LaunchSweepRequest, ResumeRequest, ResumeSweepRequest, StopRequest, StopSweepRequest } from '../protocol/customMessages.js';
import type { PanelKind } from '../protocol/panelMessages.js';
import type { LaunchErrorData, LaunchResult, LaunchSweepResult, RunSummary, SweepCommandResult, SweepSummary } from '../protocol/runData.js';
import { annotationLimits, configGlob, isLive, isResumable, isRunConfig, tagProblem } from '../protocol/runPredicates.js';
import { cleanName, configNameProblem, configTemplates, createFromTemplate, defaultName, freeName, templateRunsDir } from './configTemplates.js';
import type { PanelHost } from './panels/panelHost.js';
import { pngBytes, scalarsCsv } from './runExport.js';
import { RunExportFailed, runExportProcess } from './runExportProcess.js';
import { runLabel, runQuickPickItem, sweepQuickPickItem } from './runPresentation.js';
import type { RunsModel } from './runsModel.js';
import type { RunStatusBar } from './runStatusBar.js';
import type { RunsView } from './runsView.js';
import { readSettings } from './settings.js';

export interface CommandContext {
  context: vscode.ExtensionContext;
  server: ServerConnection;
  runs: RunsModel;
  view: RunsView;
  statusBar: RunStatusBar;
  panels: () => PanelHost;
  logs: Map<string, string>;
}

/** The table's type: one handler per command, taking that command's arguments. */
type CommandTable = { [K in CommandName]: (...args: CommandArgs<K>) => Promise<unknown> };

type RunArgument = AnyRunArgument<vscode.Uri> | undefined;

class UserError extends Error {}

/** Registers every command of protocol/commands.ts with its handler from createCommands(). */
export function registerCommands(c: CommandContext): vscode.Disposable[] {
  const table: CommandTable = createCommands(c);
  return (Object.keys(commands) as CommandName[]).map((name) => vscode.commands.registerCommand(commands[name], reportingFailures(table[name] as (...args: unknown[]) => Promise<unknown>)));
}

/** A handler whose failures the user sees: a UserError as a message only, a bug also to the caller. */
function reportingFailures(f: (...args: unknown[]) => Promise<unknown>) {
  return async (...args: unknown[]) => {
    try {
      return await f(...args);
    } catch (e) {
      // A refused launch was already explained with its own buttons.
      if (e instanceof LaunchRefused) return undefined;
      const message = e instanceof Error ? e.message : String(e);
      void vscode.window.showErrorMessage(`CRATE Lab: ${message}`);
      // Callers (tests, other extensions) see the failure too.
      if (!(e instanceof UserError)) throw e;
      return undefined;
    }
  };
}

/** The handler of every command, by name (protocol/commands.ts), typed by that command's arguments. */
export function createCommands(c: CommandContext) {
  const requireTrust = (what: string) => {
    if (!vscode.workspace.isTrusted) throw new UserError(`${what} needs a trusted workspace (Restricted Mode only shows runs).`);
  };

  /** The run an argument names, as the server knows it (asked again once: a new run may not be listed yet). */
  const runOf = async (arg: RunArgument): Promise<RunSummary | undefined> => {
    if (!arg) return undefined;
    const dir = arg instanceof vscode.Uri ? arg.fsPath : 'dir' in arg ? arg.dir : arg.runDir;
    if (!c.runs.get(dir)) await c.runs.refresh();
    const run = c.runs.get(dir);
    if (!run) throw new UserError(`${dir} is not a run in a watched runs directory`);
    return run;
  };

  /** The run a command is about: its argument, the selection in the Runs view, the focused run, or a pick. */
  const chooseRun = async (arg: RunArgument, title: string, filter: (r: RunSummary) => boolean = () => true): Promise<RunSummary | undefined> => {
    const given = await runOf(arg);
    if (given) return given;
    const selected = c.view.selection().filter(filter);
    if (selected.length === 1 && c.view.view.visible) return selected[0];
    const candidates = c.runs.all().filter(filter);
    if (candidates.length === 0) throw new UserError(`no run to ${title.toLowerCase()}`);
    const picked = await vscode.window.showQuickPick(candidates.map(runQuickPickItem), { title: `CRATE Lab: ${title}`, placeHolder: 'Run', matchOnDetail: true });
    return picked?.run;
  };

  const chooseConfig = async (arg: TrainArguments | vscode.Uri | undefined, title = 'Launch Training Run'): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri) return arg;
    if (arg && typeof arg.configUri === 'string') return vscode.Uri.parse(arg.configUri);
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && isRunConfig(active.path)) return active;
    const found = await vscode.workspace.findFiles(configGlob, '**/{node_modules,runs}/**', 200);
    if (found.length === 0) throw new UserError('no *.crate.yaml in this workspace: make one with "CRATE Lab: New Run Config"');
    if (found.length === 1) return found[0];
    const picked = await vscode.window.showQuickPick(
      found.sort((a, b) => a.fsPath.localeCompare(b.fsPath)).map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, true), uri })),
      { title: `CRATE Lab: ${title}`, placeHolder: 'Run config' },
    );
    return picked?.uri;
  };

  /** Refuses a config with errors, pointing at the Problems panel; saves unsaved edits first. */
  const checkConfig = async (uri: vscode.Uri): Promise<void> => {
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) await doc.save();
    const errors = () => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    await diagnosticsOf(uri);
    const n = errors().length;
    if (n === 0) return;
    void vscode.window
      .showErrorMessage(`CRATE Lab: ${path.basename(uri.fsPath)} has ${n} error${n === 1 ? '' : 's'}; fix ${n === 1 ? 'it' : 'them'} before launching.`, 'Show Problems')
      .then((a) => a && vscode.commands.executeCommand('workbench.actions.view.problems'));
    throw new LaunchRefused(`${uri.fsPath} has ${n} error${n === 1 ? '' : 's'}`);
  };

  /** A request that starts CRATE Lab work (a trainer, a sweep command) under a progress notification; a failure is shown with its log. */
  const requestWithProgress = async <T>(title: string, request: () => Promise<T>): Promise<T> => {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CRATE Lab: ${title}…` }, request);
    } catch (e) {
      const logFile = (e as { data?: LaunchErrorData })?.data?.logFile;
      const message = e instanceof Error ? e.message : String(e);
      void vscode.window.showErrorMessage(`CRATE Lab: ${message}`, ...(logFile ? ['Open Log'] : [])).then((action) => {
        if (action && logFile) void vscode.window.showTextDocument(vscode.Uri.file(logFile));
      });
      throw new LaunchRefused(message);
    }
  };

  /**
   * Launch and resume: the request under a progress notification; on success the run's dashboard,
   * on failure the trainer's reason with a way to its log.
   */
  const startTrainer = async (title: string, what: string, request: () => Promise<LaunchResult>): Promise<LaunchResult> => {
    const result = await requestWithProgress(title, request);
    c.logs.set(result.runDir, result.logFile);
    // Know the new run (its name titles the panel) before showing it.
    if (!c.runs.get(result.runDir)) await c.runs.refresh().catch(() => undefined);
    c.statusBar.focus(result.runDir);
    c.panels().open('dashboard', [result.runDir], { preserveFocus: true });
    void vscode.window.setStatusBarMessage(`$(play) CRATE Lab: ${what} ${path.basename(result.runDir)}`, 5000);
    return result;
  };

  const train = async (arg?: TrainArguments | vscode.Uri): Promise<LaunchResult | undefined> => {
    requireTrust('Launching a training run');
    const uri = await chooseConfig(arg);
    if (!uri) return undefined;
    await checkConfig(uri);
    const settings = readSettings();
    return startTrainer(`starting ${path.basename(uri.fsPath)}`, 'started', () =>
      c.server.sendRequest(LaunchRequest.type, {
        configPath: uri.fsPath,
        ...(settings.runsDirectory ? { runsDir: settings.runsDirectory } : {}),
        ...(settings.defaultBackend ? { backend: settings.defaultBackend } : {}),
        ...(settings.introspectionInterval > 0 ? { introspectEvery: settings.introspectionInterval } : {}),
      }),
    );
  };

  const resume = async (arg?: RunArgument): Promise<LaunchResult | undefined> => {
    requireTrust('Resuming a run');
    const run = await chooseRun(arg, 'Resume Run', isResumable);
    if (!run) return undefined;
    return startTrainer(`resuming ${runLabel(run)}`, 'resumed', () => c.server.sendRequest(ResumeRequest.type, { runDir: run.dir }));
  };

  const stop = async (arg?: RunArgument): Promise<RunSummary | undefined> => {
    requireTrust('Stopping a run');
    const run = await chooseRun(arg, 'Stop Run', isLive);
    if (!run) return undefined;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CRATE Lab: stopping ${runLabel(run)} (checkpointing)…` }, async () => {
      const r = await c.server.sendRequest(StopRequest.type, { runDir: run.dir });
      if (!r.signalled) throw new UserError(r.message);
      return waitForRun(c.runs, run.dir, (s) => !isLive(s), 120_000);
    });
  };

  const compare = async (...[arg, selected]: CommandArgs<'compareRuns'>): Promise<string[] | undefined> => {
    let dirs: string[] | undefined;
    if (selected && selected.length >= 2) dirs = selected.map((r) => r.dir);
    else if (arg && 'runDirs' in arg && arg.runDirs.length >= 2) dirs = arg.runDirs;
    else {
      const preselect = new Set(arg && 'runDirs' in arg ? arg.runDirs : c.view.selection().map((r) => r.dir));
      const picked = await vscode.window.showQuickPick(
        c.runs.all().map((r) => ({ ...runQuickPickItem(r), picked: preselect.has(r.dir) })),
        { title: 'CRATE Lab: Compare Runs', placeHolder: 'Pick two or more runs', canPickMany: true, matchOnDetail: true },
      );
      if (!picked) return undefined;
      dirs = picked.map((p) => p.run.dir);
    }
    if (dirs.length < 2) throw new UserError('pick at least two runs to compare');
    c.panels().open('compare', dirs);
    return dirs;
  };

  /** The sweep a command is about: its argument, the sweep selected in the Runs view, or a pick. */
  const chooseSweep = async (arg: SweepArgument | undefined, title: string): Promise<SweepSummary | { dir: string } | undefined> => {
    if (arg && 'counts' in arg) return arg;
    if (arg && 'sweepDir' in arg) {
      if (!c.runs.sweep(arg.sweepDir)) await c.runs.refresh();
      return c.runs.sweep(arg.sweepDir) ?? { dir: arg.sweepDir };
    }
    const selected = c.view.selectedSweeps();
    if (selected.length === 1 && c.view.view.visible) return selected[0];
    const sweeps = c.runs.sweeps();
    if (sweeps.length === 0) throw new UserError(`no sweep to ${title.toLowerCase()}: launch one from a config's sweep: block`);
    const picked = await vscode.window.showQuickPick(sweeps.map(sweepQuickPickItem), { title: `CRATE Lab: ${title}`, placeHolder: 'Sweep', matchOnDetail: true });
    return picked?.sweep;
  };

  /** Asks the scheduler and how many members at a time (defaults from the settings), unless given. */
  const sweepChoices = async (arg: LaunchSweepArguments | undefined, members: string): Promise<{ scheduler: 'local' | 'slurm'; parallel: number } | undefined> => {
    const settings = readSettings();
    const scheduler =
      arg?.scheduler ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'local', detail: 'On this machine; goes on when VS Code is closed', scheduler: 'local' as const },
            { label: 'slurm', detail: `A Slurm job array (sbatch)${settings['slurm.partition'] ? `, partition ${settings['slurm.partition']}` : ''}`, scheduler: 'slurm' as const },
          ],
          { title: `CRATE Lab: Launch Sweep (${members}): scheduler` },
        )
      )?.scheduler;
    if (!scheduler) return undefined;
    if (arg?.parallel !== undefined) return { scheduler, parallel: arg.parallel };
    const fallback = settings['sweep.parallel'];
    const options = [...new Set([fallback, 1, 2, 4, 8, 16])];
    const picked = await vscode.window.showQuickPick(
      options.map((n) => ({ label: String(n), description: n === fallback ? 'crateLab.sweep.parallel' : undefined, n })),
      { title: `CRATE Lab: Launch Sweep (${members}): members at a time`, placeHolder: scheduler === 'local' ? 'They share this machine’s cores' : 'The job array’s %limit' },
    );
    return picked ? { scheduler, parallel: picked.n } : undefined;
  };



  const launchSweep = async (arg?: LaunchSweepArguments | vscode.Uri): Promise<LaunchSweepResult | undefined> => {
    requireTrust('Launching a sweep');
    const given = arg instanceof vscode.Uri ? undefined : arg;
    const uri = await chooseConfig(arg, 'Launch Sweep');
    if (!uri) return undefined;
    await checkConfig(uri);
    const choice = await sweepChoices(given, given?.members !== undefined ? `${given.members} runs` : path.basename(uri.fsPath));
    if (!choice) return undefined;
    const settings = readSettings();
    const result = await requestWithProgress(`launching the sweep of ${path.basename(uri.fsPath)}`, () =>
      c.server.sendRequest(LaunchSweepRequest.type, {
        configPath: uri.fsPath,
        scheduler: choice.scheduler,
        parallel: choice.parallel,
        ...(settings.runsDirectory ? { runsDir: settings.runsDirectory } : {}),
        ...(choice.scheduler === 'slurm'
          ? { slurm: { partition: settings['slurm.partition'], account: settings['slurm.account'], time: settings['slurm.time'], sbatchArgs: settings['slurm.extraArgs'] } }
          : {}),
      }),
    );
    await c.runs.refresh().catch(() => undefined);
    void vscode.window.setStatusBarMessage(`$(run-all) CRATE Lab: sweep ${result.id}: ${result.members} runs, ${choice.parallel} at a time (${choice.scheduler})`, 5000);
    return result;
  };

  const sweepCommand = (what: 'Stop' | 'Resume') => async (arg?: SweepArgument): Promise<SweepCommandResult | undefined> => {
    requireTrust(`${what === 'Stop' ? 'Stopping' : 'Resuming'} a sweep`);
    const sweep = await chooseSweep(arg, `${what} Sweep`);
    if (!sweep) return undefined;
    const name = 'name' in sweep ? sweep.name : path.basename(sweep.dir);
    const type = what === 'Stop' ? StopSweepRequest.type : ResumeSweepRequest.type;
    const result = await requestWithProgress(`${what === 'Stop' ? 'stopping' : 'resuming'} the sweep ${name}`, () => c.server.sendRequest(type, { sweepDir: sweep.dir }));
    await c.runs.refresh().catch(() => undefined);
    return result;
  };

  const compareSweep = async (arg?: SweepArgument): Promise<string[] | undefined> => {
    const chosen = await chooseSweep(arg, 'Compare Sweep');
    if (!chosen) return undefined;
    const sweep = 'counts' in chosen ? chosen : undefined;
    if (!sweep) throw new UserError(`${chosen.dir} is not a sweep in a watched runs directory`);
    if (sweep.runDirs.length < 2) throw new UserError(`the sweep ${sweep.name} has ${sweep.runDirs.length} member run${sweep.runDirs.length === 1 ? '' : 's'} so far; comparing needs two`);
    c.panels().open('compare', sweep.runDirs);
    return sweep.runDirs;
  };

  const openPanel = (kind: PanelKind, title: string) => async (arg?: RunArgument) => {
    const run = (await runOf(arg)) ?? c.runs.get(c.statusBar.focusedRun() ?? '') ?? (await chooseRun(undefined, title));
    if (!run) return undefined;
    c.statusBar.focus(run.dir);
    c.panels().open(kind, [run.dir]);
    return run.dir;
  };

  const newConfig = async (arg?: NewConfigArguments): Promise<string[] | undefined> => {
    const template = arg?.template
      ? configTemplates.find((t) => t.id === arg.template)
      : (await vscode.window.showQuickPick(configTemplates.map((t) => ({ label: t.label, detail: t.detail, t })), { title: 'CRATE Lab: New Run Config' }))?.t;
    if (!template) {
      if (arg?.template) throw new UserError(`no template "${arg.template}" (there are ${configTemplates.map((t) => t.id).join(', ')})`);
      return undefined;
    }
    const folder = arg?.folder ? vscode.Uri.file(arg.folder) : vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new UserError('open a folder first: run configs and their runs live in the workspace');
    // The names in use, asked once (the server reads the folder's configs and the runs directory's runs).
    const runsDir = templateRunsDir(template, folder, readSettings().runsDirectory);
    const inUse = await c.server.sendRequest(NamesInUseRequest.type, { folder: folder.fsPath, ...(runsDir ? { runsDir: runsDir.fsPath } : {}) });
    const taken = new Set([...inUse.configs, ...inUse.runs]);
    const unique = (wanted: string) => freeName(template, folder, wanted, taken);
    // Given (tests, other extensions): no question; else asked, offering a free name.
    let wanted = arg?.name ?? (arg?.template ? defaultName(template) : undefined);
    if (wanted === undefined) {
      const typed = await vscode.window.showInputBox({
        title: `CRATE Lab: New Run Config (${template.label}): name`,
        prompt: template.files.length > 1 ? 'The folder’s name; its configs and their runs are named NAME-<config>' : 'The config’s file name and the name of its runs',
        value: await unique(defaultName(template)),
        validateInput: async (value) => {
          const name = cleanName(value);
          const problem = configNameProblem(name);
          if (problem) return { message: problem, severity: vscode.InputBoxValidationSeverity.Error };
          const free = await unique(name);
          return free === name ? undefined : { message: `“${name}” is taken by a config or a run here: it will be “${free}”`, severity: vscode.InputBoxValidationSeverity.Info };
        },
      });
      if (typed === undefined) return undefined;
      wanted = typed;
    }
    const name = cleanName(wanted);
    const problem = configNameProblem(name);
    if (problem) throw new UserError(`"${name}" cannot name a run config: ${problem}`);
    const created = await createFromTemplate(c.context.extensionUri, template, folder, await unique(name));
    await vscode.window.showTextDocument(created[0]);
    return created.map((u) => u.fsPath);
  };

  /** Sets a run's tags or note through the server (annotations.json); the run as the server then describes it. */
  const annotate = async (run: RunSummary, change: { tags?: string[]; note?: string }): Promise<RunSummary> => {
    try {
      return await c.server.sendRequest(AnnotateRunRequest.type, { runDir: run.dir, ...change });
    } catch (e) {
      // A bad tag or a damaged annotations.json: the server's message says which.
      throw new UserError(e instanceof Error ? e.message : String(e));
    }
  };

  const editRunTags = async (arg?: RunArgument | EditRunTagsArguments): Promise<RunSummary | undefined> => {
    const run = await chooseRun(arg, 'Edit Run Tags');
    if (!run) return undefined;
    // `{ runDir, tags }` gives them; a Runs view item (a RunSummary, which has `tags` too) does not.
    const given = arg && !(arg instanceof vscode.Uri) && 'runDir' in arg && 'tags' in arg ? arg.tags : undefined;
    const tags =
      given ??
      (await vscode.window.showInputBox({
        title: `CRATE Lab: tags of ${runLabel(run)}`,
        prompt: 'Tags separated by spaces or commas (empty removes them); the Runs view can be filtered by them',
        value: (run.tags ?? []).join(' '),
        validateInput: (value) => {
          const tags = value.split(/[\s,]+/).filter((t) => t.length > 0);
          const bad = tags.find((t) => tagProblem(t));
          if (bad) return `the tag "${bad.length > 20 ? `${bad.slice(0, 20)}…` : bad}" ${tagProblem(bad)}`;
          if (new Set(tags).size > annotationLimits.tags) return `at most ${annotationLimits.tags} tags`;
          return undefined;
        },
      }))?.split(/[\s,]+/);
    if (tags === undefined) return undefined;
    return annotate(run, { tags: tags.filter((t) => t.length > 0) });
  };

  const editRunNote = async (arg?: RunArgument | EditRunNoteArguments): Promise<RunSummary | undefined> => {
    const run = await chooseRun(arg, 'Edit Run Note');
    if (!run) return undefined;
    const given = arg && !(arg instanceof vscode.Uri) && 'runDir' in arg && 'note' in arg ? arg.note : undefined;
    const note =
      given ??
      (await vscode.window.showInputBox({
        title: `CRATE Lab: note of ${runLabel(run)}`,
        prompt: 'What this run is for or what it showed (empty removes the note); shown in its tooltip and in Compare',
        value: run.note ?? '',
        validateInput: (value) => (value.trim().length > annotationLimits.noteLength ? `at most ${annotationLimits.noteLength} characters` : undefined),
      }));
    if (note === undefined) return undefined;
    return annotate(run, { note });
  };

  /** Filter Runs…: the statuses and tags the runs have, those of the current filter picked. */
  const filterRuns = async (arg?: RunsFilter): Promise<RunsFilter | undefined> => {
    if (arg) {
      await c.view.setFilter(arg);
      return c.view.filter();
    }
    const runs = c.runs.all();
    const current = c.view.filter();
    const count = (n: number) => `${n} run${n === 1 ? '' : 's'}`;
    const statuses = [...new Set(runs.map((r) => r.status))].sort();
    const tags = [...new Set(runs.flatMap((r) => r.tags ?? []))].sort();
    type Item = vscode.QuickPickItem & { status?: RunSummary['status']; tag?: string };
    const items: Item[] = [
      { label: 'Status', kind: vscode.QuickPickItemKind.Separator },
      ...statuses.map((status) => ({ label: status, description: count(runs.filter((r) => r.status === status).length), status, picked: current.statuses?.includes(status) })),
      { label: 'Tags', kind: vscode.QuickPickItemKind.Separator },
      ...tags.map((tag) => ({ label: `#${tag}`, description: count(runs.filter((r) => r.tags?.includes(tag)).length), tag, picked: current.tags?.includes(tag) })),
    ];
    // Tags not on any run any more stay offered while the filter has them.
    for (const tag of current.tags ?? []) if (!tags.includes(tag)) items.push({ label: `#${tag}`, description: count(0), tag, picked: true });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'CRATE Lab: Filter Runs',
      placeHolder: tags.length ? 'Show runs of the picked statuses with any of the picked tags (none picked: all)' : 'Show runs of the picked statuses (none picked: all); tag runs from their context menu',
      canPickMany: true,
      matchOnDescription: true,
    });
    if (!picked) return undefined;
    await c.view.setFilter({ statuses: picked.flatMap((p) => (p.status ? [p.status] : [])), tags: picked.flatMap((p) => (p.tag ? [p.tag] : [])) });
    return c.view.filter();
  };

  const exportRun = async (arg?: RunArgument | ExportArguments): Promise<string | undefined> => {
    const run = await chooseRun(arg, 'Export Run');
    if (!run) return undefined;
    const given = arg && !(arg instanceof vscode.Uri) && 'runDir' in arg ? (arg as ExportArguments) : undefined;
    const format =
      given?.format ??
      (
        await vscode.window.showQuickPick(
          [
            { label: 'Everything, to a folder', detail: 'Scalars and per-layer R, Rc, SRR, sparsity as CSV, attention maps and probe images as .npy, TensorBoard event files', format: 'folder' as const },
            { label: 'CSV', detail: 'Every scalar series at full fidelity (one column per series)', format: 'csv' as const },
            { label: 'PNG of a chart', detail: 'Opens the dashboard: each chart has an Export PNG button', format: 'png' as const },
          ],
          { title: `CRATE Lab: Export ${runLabel(run)}` },
        )
      )?.format;
    if (format === 'png') {
      c.panels().open('dashboard', [run.dir]);
      return undefined;
    }
    if (format === 'folder') return exportFolder(run, given);
    if (format !== 'csv') return undefined;
    const target = given?.file ? vscode.Uri.file(given.file) : await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(run.dir, `${path.basename(run.dir)}.csv`)), filters: { CSV: ['csv'] }, title: 'Export run as CSV' });
    if (!target) return undefined;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CRATE Lab: exporting ${runLabel(run)}…` }, async () => {
      const scalars = await c.server.sendRequest(GetScalarsRequest.type, { runDir: run.dir });
      await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(scalarsCsv(scalars)));
    });
    return target.fsPath;
  };

  /** The whole run through `crate-lab export --tensorboard` (docs/export.md) into a folder; its path. */
  const exportFolder = async (run: RunSummary, given: ExportArguments | undefined): Promise<string | undefined> => {
    let outDir = given?.outDir;
    let force = given?.force ?? false;
    if (!outDir) {
      const parent = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: vscode.Uri.file(path.dirname(run.dir)), openLabel: 'Export Here', title: `Export ${runLabel(run)}: the folder to make the export's folder in` });
      if (!parent?.[0]) return undefined;
      outDir = path.join(parent[0].fsPath, `${path.basename(run.dir)}-export`);
      if (!force && (await folderHasFiles(vscode.Uri.file(outDir)))) {
        const answer = await vscode.window.showWarningMessage(`${outDir} already has files in it.`, { modal: true, detail: 'The export replaces the files of the same names.' }, 'Replace');
        if (answer !== 'Replace') return undefined;
        force = true;
      }
    }
    const target = outDir;
    const exporter = { node: readSettings().trainerNodePath || process.execPath, cli: c.context.asAbsolutePath(path.join('dist', 'trainer', 'cli.js')) };
    const { summary, warnings } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `CRATE Lab: exporting ${runLabel(run)}…` }, async () => {
      try {
        return await runExportProcess(exporter, run.dir, target, { tensorboard: true, force });
      } catch (e) {
        if (e instanceof RunExportFailed) throw new UserError(`Export of ${runLabel(run)} failed: ${e.message}`);
        throw e;
      }
    });
    const what = `${summary.scalarPoints} scalar points, ${summary.layerValues} per-layer values, attention maps of ${summary.attentionSteps.length} step(s)`;
    if (warnings.length > 0) void vscode.window.showWarningMessage(`CRATE Lab: exported ${runLabel(run)} (${what}) with ${warnings.length} warning(s): ${warnings[0].replace('crate-lab export: warning: ', '')}`);
    else if (!given?.outDir) void vscode.window.showInformationMessage(`CRATE Lab: exported ${runLabel(run)} to ${summary.outDir} (${what}).`);
    return summary.outDir;
  };

  const revealRun = async (arg?: RunArgument) => {
    const run = await chooseRun(arg, 'Reveal Run Folder');
    if (!run) return;
    const uri = vscode.Uri.file(run.dir);
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  };

  const deleteRun = async (arg?: RunArgument, options?: { confirmed?: boolean }) => {
    requireTrust('Deleting a run');
    const run = await chooseRun(arg, 'Delete Run', (r) => !isLive(r));
    if (!run) return false;
    if (isLive(run)) throw new UserError(`${runLabel(run)} is still running: stop it first`);
    if (!options?.confirmed) {
      const answer = await vscode.window.showWarningMessage(`Delete the run ${runLabel(run)} with its checkpoints and events?`, { modal: true, detail: `${run.dir}\n\nThis cannot be undone.` }, 'Delete');
      if (answer !== 'Delete') return false;
    }
    await vscode.workspace.fs.delete(vscode.Uri.file(run.dir), { recursive: true, useTrash: false });
    return true;
  };

  const openLog = async (arg?: RunArgument) => {
    const run = await chooseRun(arg, 'Open Log');
    if (!run) return;
    const log = c.logs.get(run.dir);
    await vscode.window.showTextDocument(vscode.Uri.file(log ?? path.join(run.dir, 'events.jsonl')));
  };

  return {
    train,
    resume,
    resumeLatest: async (a) => resume({ runDir: a.runDir }),
    stop,
    compareRuns: compare,
    openDashboard: openPanel('dashboard', 'Open Dashboard'),
    showLayers: openPanel('layers', 'Show Layer Metrics'),
    showAttention: openPanel('attention', 'Show Attention Maps'),
    newConfig,
    exportRun,
    revealRun,
    deleteRun,
    openLog,
    refreshRuns: () => c.runs.refresh(),
    launchSweep,
    stopSweep: sweepCommand('Stop'),
    resumeSweep: sweepCommand('Resume'),
    compareSweep,
    editRunTags,
    editRunNote,
    filterRuns,
    clearRunsFilter: async () => {
      await c.view.setFilter({});
      return c.view.filter();
    },
  } satisfies CommandTable;
}

/** Not a bug: the user's config or the trainer said no (already shown to the user). */
class LaunchRefused extends UserError {}

/** Waits until the server reports the config's diagnostics once (or 2 s passed). */
function diagnosticsOf(uri: vscode.Uri): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sub.dispose();
      clearTimeout(timer);
      resolve();
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => e.uris.some((u) => u.toString() === uri.toString()) && done());
    const timer = setTimeout(done, vscode.languages.getDiagnostics(uri).length > 0 ? 300 : 2000);
  });
}

export function waitForRun(runs: RunsModel, runDir: string, until: (r: RunSummary) => boolean, timeoutMs: number): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const r = runs.get(runDir);
      if (r && until(r)) {
        sub.dispose();
        clearTimeout(timer);
        resolve(r);
      }
    };
    const sub = runs.onDidChange(check);
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new UserError(`${path.basename(runDir)} did not stop within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    check();
  });
}

/** Writes a chart PNG the dashboard made, where the user says. */
export async function savePng(name: string, dataUrl: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const safe = name.replace(/[^\w.-]+/g, '-').slice(0, 80) || 'chart';
  const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, `${safe}.png`) : undefined, filters: { PNG: ['png'] }, title: 'Export chart as PNG' });
  if (target) await vscode.workspace.fs.writeFile(target, pngBytes(dataUrl));
}

/** Whether folder `uri` exists and has anything in it. */
async function folderHasFiles(uri: vscode.Uri): Promise<boolean> {
  try {
    return (await vscode.workspace.fs.readDirectory(uri)).length > 0;
  } catch {
    return false;
  }
}
