// The one typed protocol between the language server, the VS Code extension and the webviews
// (SPEC §2), in the style of vscode-eslint's customMessages.ts and rust-analyzer's lsp_ext.ts.
// Every custom command, request and notification is declared here once and imported by every
// side. It imports nothing Node-only and no tfjs, so browser bundles (webviews) can use it.
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { LayerMetricsRecord, RunEvent, RunStatus } from '../trainer/run/format.js';

// ---------------------------------------------------------------------------------------------
// Commands carried by code lenses. The server only names them: a client runs them (the VS Code
// extension registers them; another editor may map them to `crate-lab` CLI invocations).
// Each command has exactly one argument, the object typed below.
// ---------------------------------------------------------------------------------------------

export const commands = {
  /** Start a new run of a config. */
  train: 'crateLab.train',
  /** Continue the newest run of a config from its latest checkpoint. */
  resumeLatest: 'crateLab.resumeLatest',
  /** Open "Compare runs" on the runs of a config. */
  compareRuns: 'crateLab.compareRuns',
} as const;

export type CommandId = (typeof commands)[keyof typeof commands];

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

/** The argument type of each command, so a client's handler is typed by the command id. */
export interface CommandArguments {
  [commands.train]: TrainArguments;
  [commands.resumeLatest]: ResumeLatestArguments;
  [commands.compareRuns]: CompareRunsArguments;
}

// ---------------------------------------------------------------------------------------------
// Server options the client may pass as `initializationOptions` (standard LSP field).
// ---------------------------------------------------------------------------------------------

export interface InitializationOptions {
  /** Wait this long after the last edit before checking a document again (default 100 ms). */
  diagnosticsDelayMs?: number;
  /** Runs directories to watch besides the resolved `runsDir` of each open config (absolute). */
  runsDirs?: string[];
  /** Period of the run manager's full rescan of the watched runs directories (default 1000 ms). */
  rescanMs?: number;
  /** Node.js executable that runs trainers (default: the one running the server). */
  trainerNodePath?: string;
}

// ---------------------------------------------------------------------------------------------
// Run manager: custom requests and notifications (list runs, scalars, per-layer metrics,
// attention maps, compare runs; `runs changed` / `events appended` pushes). Run directories are
// absolute paths and identify runs everywhere. Record types come from trainer/run/format.ts
// (type-only imports: nothing of it reaches a browser bundle).
// ---------------------------------------------------------------------------------------------

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
  epoch: number;
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
  /** Last `scalars` loss. */
  trainLoss: number | null;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  /** Mean over layers of the SRR measure of the last `layers` event. */
  srr: number | null;
  /** Final validation loss − final training loss. */
  generalizationGap: number | null;
}

export interface CompareRunsResult {
  runDirs: string[];
  /** Keys `loss`, `accuracy`, `validation.loss`, `validation.accuracy`, when any run has them. */
  series: Record<string, AlignedSeries>;
  configDiff: ConfigDifference[];
  final: FinalMetrics[];
  /** Kendall's τ-b between `srr` and `generalizationGap` over the runs having both (null when undefined). */
  kendallTau: { tau: number | null; runs: number };
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

/** `data` of a launch/resume error: where the trainer's output went, when it got that far. */
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

export const listRunsRequest = new RequestType<ListRunsParams, RunSummary[], void>('crateLab/listRuns');
export const getScalarsRequest = new RequestType<GetScalarsParams, GetScalarsResult, void>('crateLab/getScalars');
export const getLayerMetricsRequest = new RequestType<GetLayerMetricsParams, GetLayerMetricsResult, void>('crateLab/getLayerMetrics');
export const getAttentionRequest = new RequestType<GetAttentionParams, GetAttentionResult | null, void>('crateLab/getAttention');
export const compareRunsRequest = new RequestType<CompareRunsParams, CompareRunsResult, void>('crateLab/compareRuns');
export const launchRequest = new RequestType<LaunchParams, LaunchResult, void>('crateLab/launch');
export const stopRequest = new RequestType<RunDirParams, StopResult, void>('crateLab/stop');
/** Resume from the latest checkpoint; answers like launch (same run directory). */
export const resumeRequest = new RequestType<RunDirParams, LaunchResult, void>('crateLab/resume');
export const runsChangedNotification = new NotificationType<RunsChangedParams>('crateLab/runsChanged');
export const eventsAppendedNotification = new NotificationType<EventsAppendedParams>('crateLab/eventsAppended');

// ---------------------------------------------------------------------------------------------
// Messages between the extension and its webview panels (postMessage). Webviews import these
// with `import type` only, so no LSP runtime reaches a browser bundle. Typed arrays travel as
// such (structured clone), never as JSON number lists.
// ---------------------------------------------------------------------------------------------

export type PanelKind = 'dashboard' | 'layers' | 'attention' | 'compare';

/** What a panel needs to be rebuilt after a window reload (webview state + serializer). */
export interface PanelState {
  kind: PanelKind;
  /** The runs shown, absolute run directories (compare: two or more). */
  runDirs: string[];
  /** The panel's own UI choices (smoothing, log scale, step/layer/head, …), opaque to the host. */
  ui?: Record<string, unknown>;
}

/** One scalar series in transfer form. */
export interface ScalarArrays {
  step: Float64Array;
  value: Float32Array;
}

/** Probe images (the first validation images, normalized as the model saw them). */
export interface ProbeImages {
  images: number;
  channels: number;
  height: number;
  width: number;
  /** [images, channels, height, width] */
  data: Float32Array;
}

export type HostToPanelMessage =
  /** First message after `ready`, and again when the panel is re-targeted. */
  | { type: 'init'; state: PanelState; runs: RunSummary[] }
  /** Run summaries changed (status, step, loss); only the panel's runs. */
  | { type: 'runs'; runs: RunSummary[] }
  /** Scalar series of a run: `replace` drops what the panel had for it, else points are appended. */
  | { type: 'scalars'; runDir: string; replace: boolean; series: Record<string, ScalarArrays> }
  /** Per-layer metrics of a run: `replace` as above; points in step order. */
  | { type: 'layers'; runDir: string; replace: boolean; points: GetLayerMetricsResult['points'] }
  /** Attention maps of one introspection step ([layers, images, heads, grid, grid]). */
  | ({ type: 'attention'; maps: Float32Array; probe: ProbeImages | null } & Omit<GetAttentionResult, 'encoding' | 'data' | 'probe'>)
  /** Everything "Compare runs" shows. */
  | { type: 'compare'; result: CompareRunsResult }
  /** The run's directory is gone (deleted while the panel is open). */
  | { type: 'runRemoved'; runDir: string }
  /** Something the panel asked for failed; shown in the panel. */
  | { type: 'error'; message: string };

export type PanelToHostMessage =
  /** The panel's script is running and listening: the host answers with `init` and data. */
  | { type: 'ready' }
  /** Persist UI choices (also kept in the webview's own state for reloads). */
  | { type: 'uiState'; ui: Record<string, unknown> }
  /** Attention panel: maps of the newest introspection step ≤ `step`. */
  | { type: 'requestAttention'; runDir: string; step: number }
  /** Export: a chart as PNG (data URL made by the panel) or every series at full fidelity as CSV. */
  | { type: 'exportPng'; name: string; dataUrl: string }
  | { type: 'exportCsv'; runDir: string }
  /** Open a run's trainer log (shown for failed runs). */
  | { type: 'openLog'; runDir: string };
