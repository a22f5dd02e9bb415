// The "Runs" tree in the CRATE Lab view container: one item per run, newest first.
import * as vscode from 'vscode';
import type { RunSummary } from '../protocol/runData.js';
import { commandOf } from './commandCalls.js';
import { progressText, runLabel, runTooltip, statusIcon } from './runPresentation.js';
import type { RunsModel } from './runsModel.js';

export class RunsView implements vscode.TreeDataProvider<RunSummary>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<RunSummary>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly runs: RunsModel) {
    this.view = vscode.window.createTreeView('crateLab.runs', { treeDataProvider: this, canSelectMany: true, showCollapseAll: false });
    this.subscriptions = [this.view, this.changed, runs.onDidChange(() => this.changed.fire())];
  }

  getChildren(element?: RunSummary): RunSummary[] {
    return element ? [] : this.runs.all();
  }

  getParent(): undefined {
    return undefined;
  }

  getTreeItem(run: RunSummary): vscode.TreeItem {
    const item = new vscode.TreeItem(runLabel(run), vscode.TreeItemCollapsibleState.None);
    item.id = run.dir;
    // A running run's spinning icon says it; any other status is spelled out.
    item.description = run.status === 'running' ? progressText(run) : `${run.status} · ${progressText(run)}`;
    item.tooltip = runTooltip(run);
    item.iconPath = statusIcon(run);
    item.resourceUri = vscode.Uri.file(run.dir);
    // package.json's menus match on this: run.<status>
    item.contextValue = `run.${run.status}`;
    item.command = commandOf('openDashboard', 'Open Dashboard', run);
    item.accessibilityInformation = { label: `${runLabel(run)}, ${run.status}, ${progressText(run)}` };
    return item;
  }

  /** Runs selected in the tree (for commands run from the palette while the tree has focus). */
  selection(): RunSummary[] {
    return [...this.view.selection];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
