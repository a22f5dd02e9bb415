// "New Run Config": copies one of the shipped examples (examples/ is the one source of the
// templates) into the workspace under a name of its own, and opens it. The name is the config's
// file name and its `name:` (so its runs' name), made unique against the configs of the folder and
// the runs of its runs directory, so that a new config never shares runs with another.
import * as vscode from 'vscode';

export interface ConfigTemplate {
  id: string;
  label: string;
  detail: string;
  /** Files under the extension's examples/, copied to the same relative paths. */
  files: string[];
}

export const configTemplates: ConfigTemplate[] = [
  { id: 'quickstart', label: 'Quickstart', detail: 'A small CRATE-α on the synthetic union of subspaces; about a minute on 2 cores.', files: ['quickstart.crate.yaml'] },
  { id: 'fashion-mnist', label: 'Fashion-MNIST', detail: 'CRATE-α, depth 4, width 96, patch 7: about 88% test accuracy in 6 minutes on 2 cores.', files: ['fashion-mnist.crate.yaml'] },
  {
    id: 'ablation',
    label: 'Fig. 1 ablation (four configs)',
    detail: 'CRATE → +overcomplete → +decoupled → +residual, as in the CRATE-α paper.',
    files: ['ablation/crate.crate.yaml', 'ablation/overcomplete.crate.yaml', 'ablation/decoupled.crate.yaml', 'ablation/residual.crate.yaml'],
  },
];

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The template's name when none is given: its file's (`quickstart`), or its folder's (`ablation`). */
export function defaultName(template: ConfigTemplate): string {
  return template.files.length > 1 ? template.id : template.files[0].replace(/\.crate\.yaml$/, '');
}

/** The config names a template makes as `name`: its one config's, or `name-<file>` for each of several. */
export function configNames(template: ConfigTemplate, name: string): string[] {
  if (template.files.length === 1) return [name];
  return template.files.map((f) => `${name}-${f.split('/').at(-1)!.replace(/\.crate\.yaml$/, '')}`);
}

/** What is wrong with `name` as a config's name and file name (a phrase), or undefined. */
export function configNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a name is needed';
  if (name.length > 90) return 'at most 90 characters';
  // The config schema's rule (no / \ or control characters), and what a file name cannot hold elsewhere.
  if (/[/\\:*?"<>|\u0000-\u001f]/.test(name)) return 'no / \\ : * ? " < > | or control characters';
  if (name.startsWith('.')) return 'must not start with "."';
  return undefined;
}

/** The name as the user typed it: trimmed, without a `.crate.yaml` they may have added. */
export function cleanName(typed: string): string {
  return typed.trim().replace(/\.crate\.yaml$/, '');
}

/**
 * `wanted`, or the first of `wanted-2`, `wanted-3`, … whose files are free in `folder` and whose
 * config names are not `taken` (the names of the folder's configs and of its runs directory's
 * runs, crateLab/namesInUse): a new config's runs are then told apart from every other config's
 * (the Runs view, its code lenses, Compare).
 */
export async function freeName(template: ConfigTemplate, folder: vscode.Uri, wanted: string, taken: ReadonlySet<string>): Promise<string> {
  const numbered = /^(.*)-(\d+)$/.exec(wanted);
  const [base, first] = numbered ? [numbered[1], Number(numbered[2])] : [wanted, 1];
  for (let i = first; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const target = vscode.Uri.joinPath(folder, template.files.length > 1 ? name : `${name}.crate.yaml`);
    if (!configNames(template, name).some((n) => taken.has(n)) && !(await exists(target))) return name;
  }
}

/**
 * The runs directory a template's config written to `folder` uses: the setting's, else `runs`
 * beside it (the config schema's default; no template sets another). A template of several
 * configs goes to a new folder, whose runs directory is new too: only the setting's can hold runs.
 */
export function templateRunsDir(template: ConfigTemplate, folder: vscode.Uri, setting: string | undefined): vscode.Uri | undefined {
  if (setting) return vscode.Uri.file(setting);
  return template.files.length > 1 ? undefined : vscode.Uri.joinPath(folder, 'runs');
}

/** The template's text with its `name:` set to `name`. */
function named(text: string, name: string): string {
  const value = /^[A-Za-z0-9][\w.-]*$/.test(name) ? name : JSON.stringify(name);
  return /^name:.*$/m.test(text) ? text.replace(/^name:.*$/m, `name: ${value}`) : `name: ${value}\n${text}`;
}

/**
 * Writes the template's files into `folder` as `name` (never over an existing file; call with a
 * name from freeName): `name.crate.yaml`, or a folder `name/` of configs named `name-<file>`.
 */
export async function createFromTemplate(extensionUri: vscode.Uri, template: ConfigTemplate, folder: vscode.Uri, name: string): Promise<vscode.Uri[]> {
  const created: vscode.Uri[] = [];
  // Several configs go into one new folder so that their runs share a runs directory.
  const several = template.files.length > 1;
  const base = several ? vscode.Uri.joinPath(folder, name) : folder;
  if (several && (await exists(base))) throw new Error(`${base.fsPath} exists already`);
  const names = configNames(template, name);
  for (const [i, file] of template.files.entries()) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'examples', file)));
    const target = vscode.Uri.joinPath(base, several ? file.split('/').at(-1)! : `${name}.crate.yaml`);
    if (await exists(target)) throw new Error(`${target.fsPath} exists already`);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(named(text, names[i])));
    created.push(target);
  }
  return created;
}
