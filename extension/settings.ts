// The extension's settings (contributes.configuration in package.json), read in one place; how a
// change of each takes effect is in settingsEffects.ts. A key with a dot is a setting of a group
// (`crateLab.slurm.partition`).
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
  /** Members a sweep trains at once, offered first by Launch Sweep. */
  'sweep.parallel': number;
  /** Slurm partition of a sweep's job array ('' = the cluster's default). */
  'slurm.partition': string;
  /** Slurm account ('' = the user's default). */
  'slurm.account': string;
  /** Slurm time limit per member, sbatch's --time ('' = the partition's default). */
  'slurm.time': string;
  /** More sbatch arguments, one per entry. */
  'slurm.extraArgs': string[];
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
    'sweep.parallel': Math.max(1, Math.floor(c.get<number>('sweep.parallel', 1))),
    'slurm.partition': c.get<string>('slurm.partition', '').trim(),
    'slurm.account': c.get<string>('slurm.account', '').trim(),
    'slurm.time': c.get<string>('slurm.time', '').trim(),
    'slurm.extraArgs': c.get<string[]>('slurm.extraArgs', []).filter((a) => typeof a === 'string' && a.trim() !== ''),
  };
}

/** The runs directories the Runs view watches: the setting, else `runs/` in each workspace folder. */
export function watchedRunsDirs(settings: Settings): string[] {
  if (settings.runsDirectory) return [settings.runsDirectory];
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => path.join(f.uri.fsPath, 'runs'));
}
