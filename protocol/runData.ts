// The data of the run manager's requests and notifications (protocol/customMessages.ts): what the
// language server says about runs, as the extension and the panels receive it. Types only, apart
// from scalarsOfEvent and resumedAtStep, so that a browser bundle can `import type` them. Record types come from
// trainer/run/format.ts (type-only imports: nothing of it reaches a browser bundle).
import type { LayerMetricsRecord, RunEvent, RunStatus } from '../trainer/run/format.js';

// Run directories are absolute paths and identify runs everywhere.

/** A run as the run manager sees it: run.json, corrected for dead trainers, plus its last scalars. */
export interface RunSummary {
  /** run.json `id`, or the directory name when run.json is unreadable. */
  id: string;
  name: string;
  /** Absolute run directory: the run's identity in every request. */
  dir: string;
  /** run.json's status, except `failed` for a running/stopping run whose trainer is gone. */
  status: RunStatus | 'unknown';
  /** Why the status was corrected (pid gone, stale heartbeat), or run.json's `error`. */
  statusReason?: string;
  step: number;
  totalSteps: number;
  /** The epoch being trained, counted from 0 (run.json's). */
  epoch: number;
  /** How many epochs the run trains: ⌈totalSteps / run.json's stepsPerEpoch⌉; absent for runs from before that field. */
  epochs?: number;
  /** Training loss of the last `scalars` event (null before the first one). */
  loss: number | null;
  /** Throughput of the last `scalars` event. */
  imagesPerSecond: number | null;
  backend: string;
  /** run.json's `device`, e.g. "NVIDIA H200 via Vulkan" (absent in runs from before it). */
  device?: string;
  createdAt: string;
  updatedAt: string;
  configHash: string;
  /** A problem reading the run (corrupt run.json, torn or non-JSON events.jsonl lines); never fatal. */
  error?: string;
  /** The sweep the run is a member of (run.json's `sweep`), absent for other runs. */
  sweep?: RunSweepMembership;
  /**
   * Held-out accuracy of the run's evaluations: on the validation split when the run has one,
   * else on the test split. `best` is the highest, `final` the last (float32, as the series).
   * Null when the run has no evaluation yet; absent until its events are read (live runs are read
   * at once, finished ones when a request needs their data).
   */
  heldOutAccuracy?: HeldOutAccuracy | null;
  /**
   * Seconds of training: from each trainer session's first event to its last (events' `t`), summed,
   * so the time a stopped or killed run sat before it was resumed is left out. Absent until its
   * events are read, as heldOutAccuracy.
   */
  elapsedSeconds?: number;
  /**
   * Seconds left, for a running run: (totalSteps − step) × batch size / images per second, the
   * trainer's own estimate. Absent for other runs or without a throughput yet.
   */
  etaSeconds?: number;
  /**
   * Present when the run's training loss stays far above chance: diverging, usually before its
   * loss becomes NaN (server/runs/lossDivergence.ts has the rule). Absent otherwise.
   */
  diverging?: DivergingLoss;
  /** The run's tags (its annotations.json), in the order given; absent when it has none. */
  tags?: string[];
  /** The run's note (its annotations.json); absent when it has none. */
  note?: string;
}

/** The evidence that a run is diverging: its recent training loss against the loss of a uniform guess. */
export interface DivergingLoss {
  /** Mean training cross-entropy (the logged loss less its SRR term) over steps fromStep…toStep. */
  meanLoss: number;
  /** The mean above which a run is flagged: factor × ln(classes). */
  threshold: number;
  /** ln(classes): the cross-entropy of a uniform guess over the classes. */
  chanceLoss: number;
  classes: number;
  fromStep: number;
  toStep: number;
}

export interface HeldOutAccuracy {
  split: 'validation' | 'test';
  best: number;
  bestStep: number;
  final: number;
  finalStep: number;
}

/** run.json's `sweep` ({id, member}) plus the member's varying values from sweep.json, when the sweep folder is read. */
export interface RunSweepMembership {
  id: string;
  /** The member's index in sweep.json. */
  member: number;
  /** The member's value of each varying dotted config path (absent when sweep.json is missing or unreadable). */
  values?: Record<string, unknown>;
}

/** How a sweep's members stand: each member counted once, by its newest run (queued: no run yet, or queued again). */
export interface SweepCounts {
  /** Completed. */
  done: number;
  /** Running or stopping. */
  running: number;
  /** No run yet, or queued again (sweep.json) and not running. */
  queued: number;
  /** Failed, diverged, or a run that cannot be read. */
  failed: number;
  /** Stopped (a resume queues them again). */
  stopped: number;
}

/** A sweep as the run manager sees it: its sweep.json and its members' runs. */
export interface SweepSummary {
  id: string;
  name: string;
  /** The sweep folder (absolute): the sweep's identity in every request. */
  dir: string;
  runsDir: string;
  /** The config it was expanded from. */
  source: string;
  createdAt: string;
  scheduler: string;
  parallel: number;
  /** The dotted config paths that vary between members. */
  varying: string[];
  /** How many members sweep.json lists. */
  members: number;
  counts: SweepCounts;
  /** The newest run directory of each member that has one, in member order (compare a whole sweep with these). */
  runDirs: string[];
  /** sweep.json is damaged (the reason, naming the field); the counts are then those of the runs found. */
  error?: string;
}

export interface ListSweepsParams {
  /** Only sweeps of this runs directory (absolute); all watched sweeps when absent. */
  runsDir?: string;
}

export interface LaunchSweepParams {
  /** Absolute path of a *.crate.yaml file with a `sweep:` block. */
  configPath: string;
  /** `local` (default) or `slurm`. */
  scheduler?: 'local' | 'slurm';
  /** At most this many members train at once (the CLI's default, 1, when absent). */
  parallel?: number;
  /** The config's runsDir when absent. */
  runsDir?: string;
  /** Passed only with scheduler `slurm`. */
  slurm?: SlurmOptions;
}

/** The Slurm settings of a launch, passed to `crate-lab sweep` as flags. */
export interface SlurmOptions {
  partition?: string;
  account?: string;
  /** sbatch's --time, e.g. `2:00:00`. */
  time?: string;
  /** More sbatch arguments, each passed as its own `--sbatch-arg`. */
  sbatchArgs?: string[];
}

export interface LaunchSweepResult {
  id: string;
  /** The new sweep folder. */
  sweepDir: string;
  members: number;
  /** The output of `crate-lab sweep`. */
  logFile: string;
}

export interface SweepDirParams {
  sweepDir: string;
}

export interface SweepCommandResult {
  sweepDir: string;
  /** What `crate-lab sweep stop|resume` printed (its status lines). */
  output: string;
  logFile: string;
}

export interface ListRunsParams {
  /** Only runs under this runs directory (absolute); all watched runs when absent. */
  runsDir?: string;
}

/**
 * The scalar series points one event contributes, by key (see trainer/run/scalarPoints.ts). The run
 * manager builds its series with it and a client turns `eventsAppended` events into chart points
 * with it, so both sides name and pick the values the same way (so does the trainer's scalars.bin).
 */
export { scalarsOfEvent } from '../trainer/run/scalarPoints.js';
/** The step a resumed trainer session starts from, for the event that opens it: a client marks resumes in pushed events with it. */
export { resumedAtStep } from '../trainer/run/format.js';

/**
 * Scalar keys: those of scalarsOfEvent. Values are kept as float32 in memory, so they equal
 * Math.fround of the logged numbers.
 */
export interface GetScalarsParams {
  runDir: string;
  /** Keys to return; all keys the run has when absent. */
  keys?: string[];
  /** Only points with step > since (increments). */
  since?: number;
  /** Downsample each series to at most this many points, keeping each bucket's min and max. */
  maxPoints?: number;
}

export interface ScalarSeries {
  step: number[];
  value: number[];
}

export interface GetScalarsResult {
  runDir: string;
  /** The run's last step seen by the server: the next `since`. */
  lastStep: number;
  series: Record<string, ScalarSeries>;
  /** The steps at which the run was stopped and resumed (each resumed session's checkpoint step), in order: charts mark them. */
  resumedAt: number[];
  /** Optimiser steps per epoch (run.json's; absent in runs from before it): epoch k starts at step k × stepsPerEpoch. */
  stepsPerEpoch?: number;
}

export interface GetLayerMetricsParams {
  runDir: string;
}

export interface GetLayerMetricsResult {
  runDir: string;
  /** One entry per `layers` event (introspection step), in step order. */
  points: { step: number; layers: LayerMetricsRecord[] }[];
}

export interface GetAttentionParams {
  runDir: string;
  /** The introspection step wanted: the newest recorded step ≤ this one (else the first). */
  step: number;
}

export interface GetAttentionResult {
  runDir: string;
  /** The step actually returned. */
  step: number;
  /** Every step that has attention maps. */
  steps: number[];
  layers: number;
  images: number;
  heads: number;
  grid: number;
  /** Always 'base64-float32le': little-endian float32 maps [layers, images, heads, grid, grid]. */
  encoding: 'base64-float32le';
  data: string;
  /**
   * The images the maps are of (the run's probe.bin: the first validation images, normalized as
   * the model saw them), little-endian float32 [images, channels, height, width]; null when the
   * run has none (introspection off, or a run from before probe.bin).
   */
  probe: { images: number; channels: number; height: number; width: number; encoding: 'base64-float32le'; data: string } | null;
  /** The true class of each probe image (probe.json); absent in runs from before it. */
  labels?: number[];
  /** The data set's class names, indexed by class (probe.json); absent with `labels`. */
  classNames?: string[];
  /** The model's class for each probe image at this step (the attention record's); absent in runs from before it. */
  predictions?: number[];
}

export interface CompareRunsParams {
  runDirs: string[];
  /** Downsample the aligned series to at most this many steps (min/max kept per bucket and run). */
  maxPoints?: number;
}

/** Series of several runs on one step axis (the union of their steps); null where a run has no point. */
export interface AlignedSeries {
  step: number[];
  /** values[i] belongs to runDirs[i]. */
  values: (number | null)[][];
}

export interface ConfigDifference {
  /** Dotted path in config.yaml, e.g. `optim.lr`. */
  path: string;
  /** values[i] is runDirs[i]'s value (null when the key is absent there). */
  values: unknown[];
}

export interface FinalMetrics {
  runDir: string;
  id: string;
  status: RunSummary['status'];
  step: number;
  /** Last `scalars` loss: one mini-batch's, with augmentation, label smoothing and the regularizer. */
  trainLoss: number | null;
  /** Last loss on the fixed training subset (plain cross-entropy, as the held-out set's). */
  trainSubsetLoss: number | null;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Mean over layers of the SRR measure of the last `layers` event. */
  srr: number | null;
  /** Held-out loss − training-subset loss at the last evaluation that has both (`gap.loss`); null for runs from before the training subset. */
  generalizationGap: number | null;
  /** Training-subset accuracy − held-out accuracy at that evaluation (`gap.accuracy`). */
  accuracyGap: number | null;
}

export interface CompareRunsResult {
  runDirs: string[];
  /** Keys `loss`, `accuracy`, `train.loss`, `train.accuracy`, `validation.loss`, `validation.accuracy`, `gap.loss`, when any run has them. */
  series: Record<string, AlignedSeries>;
  configDiff: ConfigDifference[];
  final: FinalMetrics[];
  /**
   * Kendall's τ-b between `srr` and `generalizationGap` over the finished runs having both (null
   * when undefined: fewer than two, ties throughout, or `refused`); `stillTraining` runs are left out.
   */
  kendallTau: { tau: number | null; runs: number; stillTraining: number; refused?: string };
  /** Requested runs whose directory is gone (deleted since the comparison was opened): left out of everything above. */
  missing?: string[];
}

export interface LaunchParams {
  /** Absolute path of a *.crate.yaml file. */
  configPath: string;
  runsDir?: string;
  maxSteps?: number;
  /** Backend for a config that names none (a config's own `backend` wins). */
  backend?: string;
  /** Introspection interval for a config that sets no `introspect.every` (the config wins). */
  introspectEvery?: number;
}

/** `data` of a launch/resume error (and of a sweep command's): where the CLI's output went, when it got that far. */
export interface LaunchErrorData {
  logFile?: string;
}

export interface LaunchResult {
  /** The new run directory, as the trainer announced it. */
  runDir: string;
  pid: number;
  /** The trainer's stdout and stderr. */
  logFile: string;
}

/** Set a run's tags and/or its note (annotations.json); what is absent stays as it is. */
export interface AnnotateRunParams {
  runDir: string;
  /** The new tags (replacing the old ones); each may itself be a comma- or space-separated list. [] removes them all. */
  tags?: string[];
  /** The new note ('' removes it). */
  note?: string;
}

/** The names a new config in `folder` would share runs with ("New Run Config" makes its name unique against them). */
export interface NamesInUseParams {
  /** Absolute folder the config would be written to. */
  folder: string;
  /** Absolute runs directory its runs would go to (absent: a new one, which has none). */
  runsDir?: string;
}

export interface NamesInUseResult {
  /** The name of each *.crate.yaml directly in the folder, as the trainer resolves it (`name:`, else the file name). */
  configs: string[];
  /** run.json's name of each run in the runs directory (damaged ones left out). */
  runs: string[];
}

export interface RunDirParams {
  runDir: string;
}

export interface StopResult {
  /** True when SIGTERM was sent; the trainer then checkpoints and sets status `stopped`. */
  signalled: boolean;
  message: string;
}

export interface RunsChangedParams {
  /** Every watched run, after the change. */
  runs: RunSummary[];
  /** Every watched sweep, after the change (as listSweeps answers). */
  sweeps: SweepSummary[];
  /** Run directories that disappeared. */
  removed: string[];
}

export interface EventsAppendedParams {
  runDir: string;
  /** New complete lines of events.jsonl, in order. */
  events: RunEvent[];
  /**
   * events.jsonl was cut back (a resume rewinds it to its checkpoint): drop this run's data and
   * fetch it again (getScalars without `since`); `events` is empty then.
   */
  reset?: boolean;
}
export type { LayerMetricsRecord } from '../trainer/run/format.js';

/** What `crate-lab export RUN_DIR OUT_DIR --json` prints (trainer/export/runExport.ts; docs/export.md), read by Export Run. */
export interface RunExportSummary {
  runDir: string;
  outDir: string;
  /** The files written, relative to outDir. */
  files: string[];
  scalarPoints: number;
  layerValues: number;
  attentionSteps: number[];
  probeImages: number | null;
  /** events.jsonl lines left out because they are not JSON records (each warned about). */
  skippedLines: number;
}
