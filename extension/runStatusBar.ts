// A status bar item for the focused run: the run of the active panel, else the newest running one.
import * as vscode from 'vscode';
import { endedBadly, isLive } from '../protocol/runPredicates.js';
import { commandOf } from './commandCalls.js';
import { timeText } from '../protocol/runHeadline.js';
import { progressText, runLabel } from './runPresentation.js';
import type { RunsModel } from './runsModel.js';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('crateLab.focusedRun', vscode.StatusBarAlignment.Left, 10);
  private focused: string | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly runs: RunsModel) {
    this.item.name = 'CRATE Lab: Focused Run';
    this.subscriptions = [this.item, runs.onDidChange(() => this.update())];
    this.update();
  }

  /** The run a panel or command is about; it stays focused until another one is. */
  focus(runDir: string): void {
    this.focused = runDir;
    this.update();
  }

  focusedRun(): string | undefined {
    return this.runs.get(this.focused ?? '')?.dir ?? this.runs.all().find(isLive)?.dir;
  }

  private update(): void {
    const run = this.runs.get(this.focusedRun() ?? '');
    if (!run) {
      this.item.hide();
      return;
    }
    const icon = run.status === 'running' ? '$(sync~spin)' : endedBadly(run) ? '$(error)' : '$(graph-line)';
    // A running run's times in sight: how long it has trained and about how long it has left.
    const time = run.status === 'running' ? timeText(run) : null;
    this.item.text = `${icon} ${run.name} ${run.step}/${run.totalSteps}${time ? ` · ${time}` : ''}`;
    this.item.tooltip = `${runLabel(run)}: ${run.status}, ${progressText(run)} (click for the dashboard)`;
    this.item.command = commandOf('openDashboard', 'Open Dashboard', run);
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
