// "New Run Config": copies one of the shipped examples (examples/ is the one source of the
// templates) into the workspace and opens it.
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

/** A path like `quickstart.crate.yaml`, or `quickstart-2.crate.yaml` when that exists. */
async function freeUri(folder: vscode.Uri, relative: string): Promise<vscode.Uri> {
  const stem = relative.replace(/\.crate\.yaml$/, '');
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(folder, i === 1 ? relative : `${stem}-${i}.crate.yaml`);
    if (!(await exists(uri))) return uri;
  }
}

/** Writes the template's files into `folder` (never over an existing file); returns them. */
export async function createFromTemplate(extensionUri: vscode.Uri, template: ConfigTemplate, folder: vscode.Uri): Promise<vscode.Uri[]> {
  const created: vscode.Uri[] = [];
  // The ablation's four configs go into one new folder so that their runs share a runs directory.
  const base = template.files.length > 1 ? await freeFolder(folder, template.id) : folder;
  for (const file of template.files) {
    const text = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'examples', file));
    const target = await freeUri(base, template.files.length > 1 ? file.split('/').at(-1)! : file);
    await vscode.workspace.fs.writeFile(target, text);
    created.push(target);
  }
  return created;
}

async function freeFolder(parent: vscode.Uri, name: string): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const uri = vscode.Uri.joinPath(parent, i === 1 ? name : `${name}-${i}`);
    if (!(await exists(uri))) return uri;
  }
}
