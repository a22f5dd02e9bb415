// The webview panels and the messages between them and the extension (postMessage), one union per
// direction as in vscode-hexeditor: HostToPanelMessage (extension → webview) and
// PanelToHostMessage (webview → extension). Only type imports, so a browser bundle may import
// this module. Typed arrays travel as such (structured clone), never as JSON number lists.
import type { CompareRunsResult, GetAttentionResult, GetLayerMetricsResult, RunSummary } from './runData.js';
import type { StudyResult } from './studyData.js';

/** The panel kinds; each has its own bundle (webviews/KIND/main.ts) and webview type. */
export const panelKinds = ['dashboard', 'layers', 'attention', 'compare'] as const;
export type PanelKind = (typeof panelKinds)[number];

/** What a panel needs to be rebuilt after a window reload (webview state + serializer). */
export interface PanelState {
  kind: PanelKind;
  /** The runs shown, absolute run directories (compare: two or more). */
  runDirs: string[];
  /** The panel's own UI choices (smoothing, log scale, step/layer/head, …), opaque to the host. */
  ui?: Record<string, unknown>;
}

/** The study's tables: the τ table of the complexity measures, and the regularizer's accuracy table. */
export type StudyTableId = 'measures' | 'regularizer';

/** One scalar series in transfer form. */
export interface ScalarArrays {
  step: Float64Array;
  value: Float32Array;
}

/**
 * Where a run's time axis is marked (getScalars' `resumedAt`, `stepsPerEpoch`). With `replace`:
 * all of them; with an increment: resumes to add.
 */
export interface StepMarks {
  resumedAt: number[];
  stepsPerEpoch?: number;
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

/** Extension → webview. */
export type HostToPanelMessage =
  /** First message after `ready`, and again when the panel is re-targeted. */
  | { type: 'init'; state: PanelState; runs: RunSummary[] }
  /** Run summaries changed (status, step, loss); only the panel's runs. */
  | { type: 'runs'; runs: RunSummary[] }
  /** Scalar series of a run: `replace` drops what the panel had for it, else points are appended. */
  | { type: 'scalars'; runDir: string; replace: boolean; series: Record<string, ScalarArrays>; marks?: StepMarks }
  /** Per-layer metrics of a run: `replace` as above; points in step order. */
  | { type: 'layers'; runDir: string; replace: boolean; points: GetLayerMetricsResult['points'] }
  /** Attention maps of one introspection step ([layers, images, heads, grid, grid]). */
  | ({ type: 'attention'; maps: Float32Array; probe: ProbeImages | null } & Omit<GetAttentionResult, 'encoding' | 'data' | 'probe'>)
  /** Everything "Compare runs" shows. */
  | { type: 'compare'; result: CompareRunsResult }
  /** Compare panel of 3 or more runs: the SRR study's table over them (crateLab/study). */
  | { type: 'study'; result: StudyResult }
  /** The run's directory is gone (deleted while the panel is open). */
  | { type: 'runRemoved'; runDir: string }
  /** Something the panel asked for failed; shown in the panel. */
  | { type: 'error'; message: string };

/** Webview → extension. */
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
  /** Compare panel: save a study table as `crate-lab study --format csv|latex` prints it (the host holds the text it sent). */
  | { type: 'exportStudy'; table: StudyTableId; format: 'csv' | 'latex' }
  /** Open a run's trainer log (shown for failed runs). */
  | { type: 'openLog'; runDir: string };
