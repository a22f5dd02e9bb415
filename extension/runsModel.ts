// The runs and sweeps as the server last described them (listRuns and listSweeps, then `runs
// changed` pushes), shared by the Runs view, the status bar, the pick lists and the panels.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerConnection } from './serverConnection.js';
import { EventsAppendedNotification, ListRunsRequest, ListSweepsRequest, RunsChangedNotification } from '../protocol/customMessages.js';
import type { EventsAppendedParams, RunSummary, SweepSummary } from '../protocol/runData.js';
import { newestFirst } from '../protocol/runPredicates.js';

export class RunsModel implements vscode.Disposable {
  private runs = new Map<string, RunSummary>();
  private sweepList: SweepSummary[] = [];
  private readonly changed = new vscode.EventEmitter<{ removed: string[] }>();
  private readonly appended = new vscode.EventEmitter<EventsAppendedParams>();
  /** Fires after every change of the list (removed: run directories that disappeared). */
  readonly onDidChange = this.changed.event;
  /** New events.jsonl lines of a run (or `reset` when its file was cut back by a resume). */
  readonly onEventsAppended = this.appended.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed, this.appended];

  constructor(readonly server: ServerConnection) {
    this.subscriptions.push(
      server.onNotification(RunsChangedNotification.type, ({ runs, removed, sweeps }) => this.replace(runs, removed, sweeps ?? [])),
      server.onNotification(EventsAppendedNotification.type, (p) => this.appended.fire(p)),
    );
  }

  async refresh(): Promise<void> {
    const [runs, sweeps] = await Promise.all([this.server.sendRequest(ListRunsRequest.type, {}), this.server.sendRequest(ListSweepsRequest.type, {})]);
    this.replace(runs, [], sweeps);
  }

  private replace(runs: RunSummary[], removed: string[], sweeps: SweepSummary[]): void {
    this.sweepList = sweeps;
    const gone = new Set(removed);
    for (const dir of this.runs.keys()) if (!runs.some((r) => r.dir === dir)) gone.add(dir);
    this.runs = new Map(runs.map((r) => [r.dir, r]));
    this.changed.fire({ removed: [...gone] });
  }

  /** Newest first. */
  all(): RunSummary[] {
    return [...this.runs.values()].sort(newestFirst);
  }

  get(runDir: string): RunSummary | undefined {
    return this.runs.get(runDir);
  }

  /** Every sweep, newest first. */
  sweeps(): SweepSummary[] {
    return this.sweepList;
  }

  sweep(sweepDir: string): SweepSummary | undefined {
    return this.sweepList.find((s) => s.dir === sweepDir);
  }

  /** The sweep folder a member run belongs to, when that sweep is known. */
  sweepOf(run: RunSummary): SweepSummary | undefined {
    return run.sweep ? this.sweep(path.join(path.dirname(run.dir), run.sweep.id)) : undefined;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
