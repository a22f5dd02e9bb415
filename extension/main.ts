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
import { RunsView } from './runsView.js';
import { ServerConnection } from './serverConnection.js';

/** What the extension exports to other extensions and to its own extension-host tests. */
export interface CrateLabApi {
  /** Resolves once the language server answered its first listRuns. */
  ready: Promise<void>;
  runs(): RunSummary[];
  /** Keys (`kind:runDirs`) of the open panels. */
  openPanels(): string[];
  server: ServerConnection;
}

let server: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): CrateLabApi {
  const output = vscode.window.createOutputChannel('CRATE Lab', { log: true });
  server = new ServerConnection(() => createLanguageClient(context, output));
  const runs = new RunsModel(server);
  const view = new RunsView(runs);
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
  return { ready, runs: () => runs.all(), openPanels: () => panels?.keys() ?? [], server };
}

export async function deactivate(): Promise<void> {
  // Trainers are detached: they go on after the window closes; only the server stops.
  await server?.stop();
}
