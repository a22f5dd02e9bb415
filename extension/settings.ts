// The extension's settings (contributes.configuration in package.json), read in one place; how a
// change of each takes effect is in settingsEffects.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface Settings {
  /** Absolute runs directory, or undefined for each config's own `runsDir`. */
  runsDirectory?: string;
  /** Backend for configs that name none ('' = the config's default). */
  defaultBackend: string;
  /** Node.js executable for the trainer ('' = the language server's). */
  trainerNodePath: string;
  /** Introspection interval for configs that set none (0 = the config's default). */
  introspectionInterval: number;
}

/** The settings' section: each setting is `crateLab.<key of Settings>`. */
export const settingsSection = 'crateLab';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(settingsSection);
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const runsDirectory = c.get<string>('runsDirectory', '').trim();
  return {
    runsDirectory: runsDirectory === '' ? undefined : path.isAbsolute(runsDirectory) || !folder ? runsDirectory : path.join(folder, runsDirectory),
    defaultBackend: c.get<string>('defaultBackend', ''),
    trainerNodePath: c.get<string>('trainerNodePath', '').trim(),
    introspectionInterval: c.get<number>('introspectionInterval', 0),
  };
}

/** The runs directories the Runs view watches: the setting, else `runs/` in each workspace folder. */
export function watchedRunsDirs(settings: Settings): string[] {
  if (settings.runsDirectory) return [settings.runsDirectory];
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => path.join(f.uri.fsPath, 'runs'));
}
