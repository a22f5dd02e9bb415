// How a change of each setting takes effect, declared per setting (rust-analyzer's
// requiresServerReloadOpts): launch settings are read at every launch; what the language server
// was started with (the watched runs directories, the trainer's Node.js) takes a server restart,
// done at once: the server's state is on disk and trainers are detached, so nothing is lost.
import * as vscode from 'vscode';
import type { RunsModel } from './runsModel.js';
import type { ServerConnection } from './serverConnection.js';
import { type Settings, settingsSection } from './settings.js';

type Effect = 'next launch' | 'server restart';

/** Every setting (Settings has one key per contributes.configuration property) and how it applies. */
export const settingEffects: Record<keyof Settings, Effect> = {
  // Watched by the server (initializationOptions.runsDirs) as well as launched into.
  runsDirectory: 'server restart',
  defaultBackend: 'next launch',
  trainerNodePath: 'server restart',
  introspectionInterval: 'next launch',
  'sweep.parallel': 'next launch',
  'slurm.partition': 'next launch',
  'slurm.account': 'next launch',
  'slurm.time': 'next launch',
  'slurm.extraArgs': 'next launch',
};

/** Restarts the server when a setting it was started with changes, or the workspace folders do (their runs/ are watched). */
export function applySettingChanges(server: ServerConnection, runs: RunsModel, output: vscode.LogOutputChannel): vscode.Disposable {
  const serverSettings = (Object.keys(settingEffects) as (keyof Settings)[]).filter((k) => settingEffects[k] === 'server restart');
  // One restart at a time; changes during one restart it again afterwards.
  let restarting: Promise<void> = Promise.resolve();
  const restart = (why: string) => {
    restarting = restarting.then(async () => {
      output.info(`crate-lab: restarting the language server: ${why}`);
      try {
        await server.restart();
        await runs.refresh();
      } catch (e) {
        output.error(`crate-lab: the language server did not restart: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeConfiguration((e) => {
      const changed = serverSettings.filter((k) => e.affectsConfiguration(`${settingsSection}.${k}`));
      if (changed.length > 0) restart(`${changed.map((k) => `${settingsSection}.${k}`).join(', ')} changed`);
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => restart('the workspace folders changed')),
  );
}
