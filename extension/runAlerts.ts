// Tells the user when a run ends badly (failed, diverged), with its error and a way to the log,
// whether it started in this window or elsewhere.
import * as vscode from 'vscode';
import type { RunSummary } from '../protocol/runData.js';
import { endReason, endedBadly } from '../protocol/runPredicates.js';
import { runCommand } from './commandCalls.js';
import { runLabel } from './runPresentation.js';
import type { RunsModel } from './runsModel.js';

export function watchRunOutcomes(runs: RunsModel): vscode.Disposable {
  const seen = new Map<string, RunSummary['status']>(runs.all().map((r) => [r.dir, r.status]));
  return runs.onDidChange(() => {
    for (const run of runs.all()) {
      const before = seen.get(run.dir);
      seen.set(run.dir, run.status);
      if (before === run.status || !endedBadly(run)) continue;
      // A run first seen already ended (when the window opened) stays quiet unless it just ended.
      if (before === undefined && Date.parse(run.updatedAt) < Date.now() - 60_000) continue;
      const reason = endReason(run);
      void vscode.window.showErrorMessage(`CRATE Lab: ${runLabel(run)} ${run.status} at step ${run.step}: ${reason}`, 'Open Log', 'Open Dashboard').then((action) => {
        if (action === 'Open Log') void runCommand('openLog', run);
        if (action === 'Open Dashboard') void runCommand('openDashboard', run);
      });
    }
  });
}
