// The runs as the server last described them (listRuns, then `runs changed` pushes), shared by
// the Runs view, the status bar, the pick lists and the panels.
import * as vscode from 'vscode';
import type { ServerConnection } from './serverConnection.js';
import { EventsAppendedNotification, ListRunsRequest, RunsChangedNotification } from '../protocol/customMessages.js';
import type { EventsAppendedParams, RunSummary } from '../protocol/runData.js';
import { newestFirst } from '../protocol/runPredicates.js';

export class RunsModel implements vscode.Disposable {
  private runs = new Map<string, RunSummary>();
  private readonly changed = new vscode.EventEmitter<{ removed: string[] }>();
  private readonly appended = new vscode.EventEmitter<EventsAppendedParams>();
  /** Fires after every change of the list (removed: run directories that disappeared). */
  readonly onDidChange = this.changed.event;
  /** New events.jsonl lines of a run (or `reset` when its file was cut back by a resume). */
  readonly onEventsAppended = this.appended.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed, this.appended];

  constructor(readonly server: ServerConnection) {
    this.subscriptions.push(
      server.onNotification(RunsChangedNotification.type, ({ runs, removed }) => this.replace(runs, removed)),
      server.onNotification(EventsAppendedNotification.type, (p) => this.appended.fire(p)),
    );
  }

  async refresh(): Promise<void> {
    this.replace(await this.server.sendRequest(ListRunsRequest.type, {}), []);
  }

  private replace(runs: RunSummary[], removed: string[]): void {
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

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
