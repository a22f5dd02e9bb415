// Runs inside VS Code's extension host with workspace trust on and the folder not trusted
// (Restricted Mode): runs and panels are there to look at; nothing starts, stops or deletes a
// trainer. Bundled and run by test/vscode-extension-host.test.ts.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CrateLabApi } from '../../extension/main.js';

export async function run(): Promise<void> {
  const api = await vscode.extensions.getExtension<CrateLabApi>('crate-lab.crate-lab')!.activate();
  await api.ready;
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  assert.equal(vscode.workspace.isTrusted, false, 'the folder is not trusted');
  // The finished run made before VS Code started is listed and its dashboard opens.
  const deadline = Date.now() + 30_000;
  while (api.runs().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const [finished] = api.runs();
  assert.ok(finished, 'the existing run is listed');
  await vscode.commands.executeCommand('crateLab.openDashboard', finished);
  assert.ok(api.openPanels().includes(`dashboard:${finished.dir}`));
  // Starting, resuming and deleting are refused.
  const runsBefore = readdirSync(path.join(folder, 'runs')).length;
  const config = vscode.Uri.file(path.join(folder, 'tiny.crate.yaml'));
  assert.equal(await vscode.commands.executeCommand('crateLab.train', { configUri: config.toString() }), undefined);
  assert.equal(await vscode.commands.executeCommand('crateLab.resume', { runDir: finished.dir }), undefined);
  assert.equal(await vscode.commands.executeCommand('crateLab.deleteRun', { runDir: finished.dir }, { confirmed: true }), undefined);
  assert.equal(readdirSync(path.join(folder, 'runs')).length, runsBefore, 'no run was started');
  assert.ok(existsSync(finished.dir), 'nothing was deleted');
  console.log('✔ restricted mode: runs listed, dashboard opens; launch, resume and delete refused');
}
