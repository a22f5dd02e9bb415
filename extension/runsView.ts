// The "Runs" tree in the CRATE Lab view container: newest first, each sweep a collapsed group of
// its member runs (collapsed, a sweep of 1,000 members costs the tree one item), other runs as
// items of their own. A filter (runsFilter.ts) hides the runs that do not pass it, and a sweep
// none of whose runs does; the view's description names the filter, its message what it hides.
import * as vscode from 'vscode';
import type { RunSummary, SweepSummary } from '../protocol/runData.js';
import { commandOf } from './commandCalls.js';
import { countsText, memberLabel, progressText, runLabel, runTooltip, statusIcon, sweepIcon, sweepTooltip, tagsText } from './runPresentation.js';
import type { RunsModel } from './runsModel.js';
import { filterText, isFiltering, normalFilter, passes, type RunsFilter } from './runsFilter.js';

const filterKey = 'crateLab.runsFilter';
/** The context key package.json's menus show "Clear Runs Filter" by. */
const filteredContext = 'crateLab.runsFiltered';

/** An item of the tree: a run, or a sweep (its group). */
export type RunsItem = RunSummary | SweepSummary;

export const isSweep = (item: RunsItem): item is SweepSummary => 'counts' in item;

export class RunsView implements vscode.TreeDataProvider<RunsItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<RunsItem>;
  private readonly subscriptions: vscode.Disposable[];
  private runsFilter: RunsFilter;

  constructor(
    private readonly runs: RunsModel,
    private readonly state?: vscode.Memento,
  ) {
    this.view = vscode.window.createTreeView('crateLab.runs', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    this.runsFilter = normalFilter(state?.get<RunsFilter>(filterKey));
    this.subscriptions = [
      this.view,
      this.changed,
      runs.onDidChange(() => {
        this.describeFilter();
        this.changed.fire();
      }),
    ];
    this.describeFilter();
    void vscode.commands.executeCommand('setContext', filteredContext, isFiltering(this.runsFilter));
  }

  filter(): RunsFilter {
    return this.runsFilter;
  }

  /** Shows only the runs that pass `f` (everything when it names no tag and no status). */
  async setFilter(f: RunsFilter): Promise<void> {
    this.runsFilter = normalFilter(f);
    await this.state?.update(filterKey, isFiltering(this.runsFilter) ? this.runsFilter : undefined);
    await vscode.commands.executeCommand('setContext', filteredContext, isFiltering(this.runsFilter));
    this.describeFilter();
    this.changed.fire();
  }

  /** The filter in the view's description, and in its message how many runs it hides. */
  private describeFilter(): void {
    if (!isFiltering(this.runsFilter)) {
      this.view.description = undefined;
      this.view.message = undefined;
      return;
    }
    const all = this.runs.all();
    const shown = all.filter((r) => passes(this.runsFilter, r)).length;
    this.view.description = `Filter: ${filterText(this.runsFilter)}`;
    this.view.message =
      shown === 0
        ? `No run matches the filter ${filterText(this.runsFilter)} (${all.length} hidden). Clear it from the view's title bar.`
        : `Showing ${shown} of ${all.length} runs: filter ${filterText(this.runsFilter)}.`;
  }

  getChildren(element?: RunsItem): RunsItem[] {
    const shown = this.runs.all().filter((r) => passes(this.runsFilter, r));
    if (!element) {
      // A sweep shows while one of its runs does.
      const shownSweeps = isFiltering(this.runsFilter) ? new Set(shown.map((r) => this.runs.sweepOf(r)?.dir)) : undefined;
      const sweeps = this.runs.sweeps().filter((s) => !shownSweeps || shownSweeps.has(s.dir));
      const top: RunsItem[] = [...sweeps, ...shown.filter((r) => !this.runs.sweepOf(r))];
      return top.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.dir.localeCompare(b.dir));
    }
    if (!isSweep(element)) return [];
    // Every run of the sweep (a member trained anew after a kill has two), in member order.
    return shown.filter((r) => this.runs.sweepOf(r)?.dir === element.dir).sort((a, b) => a.sweep!.member - b.sweep!.member || b.createdAt.localeCompare(a.createdAt));
  }

  getParent(element: RunsItem): SweepSummary | undefined {
    return isSweep(element) ? undefined : this.runs.sweepOf(element);
  }

  getTreeItem(item: RunsItem): vscode.TreeItem {
    return isSweep(item) ? sweepItem(item) : runItem(item);
  }

  /** Runs selected in the tree (for commands run from the palette while the tree has focus). */
  selection(): RunSummary[] {
    return this.view.selection.filter((i): i is RunSummary => !isSweep(i));
  }

  /** Sweeps selected in the tree. */
  selectedSweeps(): SweepSummary[] {
    return this.view.selection.filter(isSweep);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function runItem(run: RunSummary): vscode.TreeItem {
  const label = run.sweep ? memberLabel(run) : runLabel(run);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = run.dir;
  // A running run's spinning icon says it; any other status is spelled out. Tags come first.
  const status = run.status === 'running' ? progressText(run) : `${run.status} · ${progressText(run)}`;
  item.description = run.tags?.length ? `${tagsText(run.tags)} · ${status}` : status;
  item.tooltip = runTooltip(run);
  item.iconPath = statusIcon(run);
  item.resourceUri = vscode.Uri.file(run.dir);
  // package.json's menus match on this: run.<status>
  item.contextValue = `run.${run.status}`;
  item.command = commandOf('openDashboard', 'Open Dashboard', run);
  item.accessibilityInformation = { label: `${label}, ${run.status}, ${progressText(run)}${run.tags?.length ? `, tags ${run.tags.join(', ')}` : ''}${run.note ? `, note: ${run.note}` : ''}` };
  return item;
}

function sweepItem(sweep: SweepSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(sweep.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = sweep.dir;
  item.description = countsText(sweep);
  item.tooltip = sweepTooltip(sweep);
  item.iconPath = sweepIcon(sweep);
  // package.json's menus match on this: sweep.active (members training) or sweep.idle.
  item.contextValue = sweep.counts.running > 0 ? 'sweep.active' : 'sweep.idle';
  item.accessibilityInformation = { label: `sweep ${sweep.name}, ${countsText(sweep)}` };
  return item;
}
