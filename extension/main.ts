// Activation: the connection to the language server (which owns runs and language features),
// the Runs view, the status bar, the commands and the panel host. Activation does no I/O of its
// own, does not wait for the server and does not even load the client library (the connection
// does that just after), so it stays well under 100 ms; views fill in when the server answers.
import * as vscode from 'vscode';
import type { RunSummary } from '../protocol/runData.js';
import { runCommand } from './commandCalls.js';
import { registerCommands, savePng } from './commands.js';
import { createLanguageClient } from './languageClient.js';
import { PanelHost } from './panels/panelHost.js';
import { watchRunOutcomes } from './runAlerts.js';
import { RunsModel } from './runsModel.js';
import { RunStatusBar } from './runStatusBar.js';
import { applySettingChanges } from './settingsEffects.js';
import { saveStudyExport } from './studyExport.js';
import { type RunsItem, RunsView } from './runsView.js';
import { ServerConnection } from './serverConnection.js';

/** What the extension exports to other extensions and to its own extension-host tests. */
export interface CrateLabApi {
  /** Resolves once the language server answered its first listRuns. */
  ready: Promise<void>;
  runs(): RunSummary[];
  /** Keys (`kind:runDirs`) of the open panels. */
  openPanels(): string[];
  /** The Runs view as VS Code gets it from the tree's provider: each top item and, for a group, its children. */
  runsTree(): RunsTreeNode[];
  /** The Runs view's description and message (they name its filter). */
  runsViewText(): { description?: string; message?: string };
  server: ServerConnection;
}

/** A Runs view item as the tree shows it. */
export interface RunsTreeNode {
  id: string;
  label: string;
  description: string;
  contextValue: string;
  /** VS Code's TreeItemCollapsibleState: 0 none, 1 collapsed, 2 expanded. */
  collapsibleState: number;
  children: RunsTreeNode[];
}

/** The tree the view's provider gives VS Code, two levels deep (sweeps and their members). */
function treeOf(view: RunsView, element?: RunsItem): RunsTreeNode[] {
  return view.getChildren(element).map((child) => {
    const item = view.getTreeItem(child);
    return {
      id: item.id ?? '',
      label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      description: typeof item.description === 'string' ? item.description : '',
      contextValue: item.contextValue ?? '',
      collapsibleState: item.collapsibleState ?? 0,
      children: element ? [] : treeOf(view, child),
    };
  });
}

let server: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): CrateLabApi {
  const output = vscode.window.createOutputChannel('CRATE Lab', { log: true });
  server = new ServerConnection(() => createLanguageClient(context, output));
  const runs = new RunsModel(server);
  const view = new RunsView(runs, context.workspaceState);
  const statusBar = new RunStatusBar(runs);
  const logs = new Map<string, string>();
  let panels: PanelHost | undefined;
  const panelHost = () =>
    (panels ??= new PanelHost(context, server!, runs, {
      exportCsv: async (runDir) => void (await runCommand('exportRun', { runDir, format: 'csv' })),
      exportPng: savePng,
      exportStudy: saveStudyExport,
      openLog: async (runDir) => void (await runCommand('openLog', { runDir })),
      focus: (runDir) => statusBar.focus(runDir),
    }, output));
  // Serializers must exist at activation for panels to come back after a reload.
  panelHost();
  context.subscriptions.push(output, runs, view, statusBar, watchRunOutcomes(runs), applySettingChanges(server, runs, output), ...registerCommands({ context, server, runs, view, statusBar, panels: panelHost, logs }), {
    dispose: () => panels?.dispose(),
  });
  const ready = server.started.then(() => runs.refresh());
  ready.catch((e) => output.appendLine(`crate-lab: the language server did not start: ${e instanceof Error ? e.message : String(e)}`));
  return { ready, runs: () => runs.all(), openPanels: () => panels?.keys() ?? [], runsTree: () => treeOf(view), runsViewText: () => ({ description: view.view.description, message: view.view.message }), server };
}

export async function deactivate(): Promise<void> {
  // Trainers are detached: they go on after the window closes; only the server stops.
  await server?.stop();
}
