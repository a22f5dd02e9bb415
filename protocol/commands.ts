// Every command of the extension (package.json contributes.commands: test/protocol.test.ts checks
// that the two agree) and the arguments each takes. The server names three of them in code lenses
// (a client runs them: the VS Code extension registers them; another editor may map them to
// `crate-lab` CLI invocations); the Runs view, the status bar, the panels and other extensions
// pass the rest their arguments. `Uri` is the editor's URI class (vscode.Uri in the extension: the
// explorer hands commands a URI), a parameter so that this module imports nothing of VS Code.
import type { RunSummary, SweepSummary } from './runData.js';

export const commands = {
  /** Start a new run of a config. */
  train: 'crateLab.train',
  /** Continue a stopped, failed or diverged run from its latest checkpoint. */
  resume: 'crateLab.resume',
  /** Continue the newest run of a config from its latest checkpoint (a code lens). */
  resumeLatest: 'crateLab.resumeLatest',
  /** Ask a live run to checkpoint and stop. */
  stop: 'crateLab.stop',
  /** Open "Compare runs" on two or more runs. */
  compareRuns: 'crateLab.compareRuns',
  openDashboard: 'crateLab.openDashboard',
  showLayers: 'crateLab.showLayers',
  showAttention: 'crateLab.showAttention',
  /** Write a run config from a template into the workspace. */
  newConfig: 'crateLab.newConfig',
  /** A run's scalars as CSV (or a chart as PNG, from the dashboard). */
  exportRun: 'crateLab.exportRun',
  revealRun: 'crateLab.revealRun',
  deleteRun: 'crateLab.deleteRun',
  /** A run's trainer log (events.jsonl when this window did not start it). */
  openLog: 'crateLab.openLog',
  refreshRuns: 'crateLab.refreshRuns',
  /** Launch a config's sweep (a code lens; asks the scheduler and how many at a time). */
  launchSweep: 'crateLab.launchSweep',
  /** Stop a sweep: its running members checkpoint and stop, the queued stay queued. */
  stopSweep: 'crateLab.stopSweep',
  /** Queue a sweep's stopped, failed and killed members again. */
  resumeSweep: 'crateLab.resumeSweep',
  /** Open "Compare runs" on a sweep's members. */
  compareSweep: 'crateLab.compareSweep',
  /** Set a run's tags (its annotations.json, through the server). */
  editRunTags: 'crateLab.editRunTags',
  /** Set a run's note (its annotations.json, through the server). */
  editRunNote: 'crateLab.editRunNote',
  /** Show only the runs with some of the given tags and statuses in the Runs view. */
  filterRuns: 'crateLab.filterRuns',
  clearRunsFilter: 'crateLab.clearRunsFilter',
} as const;

export type CommandName = keyof typeof commands;
export type CommandId = (typeof commands)[CommandName];

export interface TrainArguments {
  /** The config document's URI, as the client sent it. */
  configUri: string;
}

export interface ResumeLatestArguments {
  configUri: string;
  /** Absolute path of the newest run directory of this config. */
  runDir: string;
}

export interface CompareRunsArguments {
  configUri: string;
  /** Absolute paths of the run directories of this config, newest first (at least two). */
  runDirs: string[];
}

/** Anything that names a run: a Runs view item, `{ runDir }`, or the run folder's URI. */
export type RunArgument<Uri> = RunSummary | { runDir: string } | Uri;

/** "Launch Sweep" from a code lens, or without questions (tests, other extensions): scheduler and parallel given. */
export interface LaunchSweepArguments {
  configUri: string;
  /** The number of members, as the code lens counted them. */
  members?: number;
  scheduler?: 'local' | 'slurm';
  parallel?: number;
}

/** Anything that names a sweep: a Runs view sweep group, or `{ sweepDir }`. */
export type SweepArgument = SweepSummary | { sweepDir: string };

/** "Export Run" without questions (tests, other extensions): format and target file given. */
export interface ExportArguments {
  runDir: string;
  /** `folder`: everything (crate-lab export, docs/export.md) into the folder `outDir`, with TensorBoard event files. */
  format?: 'csv' | 'png' | 'folder';
  file?: string;
  /** The folder a `folder` export writes (made; one with files in it is written into only with `force`). */
  outDir?: string;
  force?: boolean;
}

/** "New Run Config" without questions: the template's id, the folder to write into and the name. */
export interface NewConfigArguments {
  template?: string;
  folder?: string;
  /**
   * The config's name (its file name and its runs' name; for a template of several configs the
   * folder's, and each config is `NAME-<file>`), made unique as the question's answer is: `NAME-2`,
   * `NAME-3`, … when a config in the folder or a run in its runs directory has it. The template's
   * file name when absent.
   */
  name?: string;
}

/** "Edit Run Tags" without questions: the run and its new tags ([] removes them). */
export interface EditRunTagsArguments {
  runDir: string;
  tags?: string[];
}

/** "Edit Run Note" without questions: the run and its new note ('' removes it). */
export interface EditRunNoteArguments {
  runDir: string;
  note?: string;
}

/**
 * The Runs view's filter: a run is shown when it has one of `tags` (any run when none are given)
 * and one of `statuses` (any status when none are given); a sweep when one of its runs is.
 */
export interface RunsFilter {
  tags?: string[];
  statuses?: RunSummary['status'][];
}

/** The arguments of each command; without any, a command asks (pick lists, the selection). */
export interface CommandArguments<Uri> {
  train: [arg?: TrainArguments | Uri];
  resume: [arg?: RunArgument<Uri>];
  resumeLatest: [arg: ResumeLatestArguments];
  stop: [arg?: RunArgument<Uri>];
  /** A code lens's argument, or a Runs view item and the view's selection (VS Code passes both). */
  compareRuns: [arg?: CompareRunsArguments | RunSummary, selected?: RunSummary[]];
  openDashboard: [arg?: RunArgument<Uri>];
  showLayers: [arg?: RunArgument<Uri>];
  showAttention: [arg?: RunArgument<Uri>];
  newConfig: [arg?: NewConfigArguments];
  exportRun: [arg?: RunArgument<Uri> | ExportArguments];
  revealRun: [arg?: RunArgument<Uri>];
  /** `confirmed` skips the modal question (tests, other extensions). */
  deleteRun: [arg?: RunArgument<Uri>, options?: { confirmed?: boolean }];
  openLog: [arg?: RunArgument<Uri>];
  refreshRuns: [];
  launchSweep: [arg?: LaunchSweepArguments | Uri];
  stopSweep: [arg?: SweepArgument];
  resumeSweep: [arg?: SweepArgument];
  compareSweep: [arg?: SweepArgument];
  /** A Runs view item (VS Code passes the selection too, which is ignored), `{ runDir }`, or `{ runDir, tags }` without questions. */
  editRunTags: [arg?: RunArgument<Uri> | EditRunTagsArguments];
  editRunNote: [arg?: RunArgument<Uri> | EditRunNoteArguments];
  /** Without an argument, a pick list of the statuses and tags the runs have. `{}` clears the filter. */
  filterRuns: [filter?: RunsFilter];
  clearRunsFilter: [];
}
