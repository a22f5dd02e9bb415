// The language server's custom LSP requests and notifications, in vscode-eslint's
// customMessages.ts shape: one namespace per message with its `method` and `type`, and a line
// saying which way it travels. Their data is in runData.ts; failures carry errorCodes.ts's codes.
// vscode-languageserver-protocol is the only runtime import (no tfjs, nothing Node-only).
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type {
  AnnotateRunParams,
  CompareRunsParams,
  CompareRunsResult,
  EventsAppendedParams,
  GetAttentionParams,
  GetAttentionResult,
  GetLayerMetricsParams,
  GetLayerMetricsResult,
  GetScalarsParams,
  GetScalarsResult,
  LaunchParams,
  LaunchResult,
  LaunchSweepParams,
  LaunchSweepResult,
  ListRunsParams,
  ListSweepsParams,
  NamesInUseParams,
  NamesInUseResult,
  RunDirParams,
  RunsChangedParams,
  RunSummary,
  StopResult,
  SweepCommandResult,
  SweepDirParams,
  SweepSummary,
} from './runData.js';
import type { StudyParams, StudyResult } from './studyData.js';

/** Server options the client may pass as `initializationOptions` (standard LSP field; client → server). */
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

/** Client → server: every watched run (or those of one runs directory), newest first. */
export namespace ListRunsRequest {
  export const method = 'crateLab/listRuns';
  export const type = new RequestType<ListRunsParams, RunSummary[], void>(method);
}

/** Client → server: a run's scalar series, whole or since a step. */
export namespace GetScalarsRequest {
  export const method = 'crateLab/getScalars';
  export const type = new RequestType<GetScalarsParams, GetScalarsResult, void>(method);
}

/** Client → server: a run's per-layer metrics at every introspection step. */
export namespace GetLayerMetricsRequest {
  export const method = 'crateLab/getLayerMetrics';
  export const type = new RequestType<GetLayerMetricsParams, GetLayerMetricsResult, void>(method);
}

/** Client → server: a run's attention maps of one introspection step (null when it has none). */
export namespace GetAttentionRequest {
  export const method = 'crateLab/getAttention';
  export const type = new RequestType<GetAttentionParams, GetAttentionResult | null, void>(method);
}

/** Client → server: several runs side by side (aligned series, config differences, final metrics). */
export namespace CompareRunsRequest {
  export const method = 'crateLab/compareRuns';
  export const type = new RequestType<CompareRunsParams, CompareRunsResult, void>(method);
}

/** Client → server: start a trainer on a config; fails with LaunchErrorData when it does not start. */
export namespace LaunchRequest {
  export const method = 'crateLab/launch';
  export const type = new RequestType<LaunchParams, LaunchResult, void>(method);
}

/** Client → server: ask a run's trainer to checkpoint and stop (SIGTERM). */
export namespace StopRequest {
  export const method = 'crateLab/stop';
  export const type = new RequestType<RunDirParams, StopResult, void>(method);
}

/** Client → server: resume from the latest checkpoint; answers like launch (same run directory). */
export namespace ResumeRequest {
  export const method = 'crateLab/resume';
  export const type = new RequestType<RunDirParams, LaunchResult, void>(method);
}

/**
 * Client → server: set a run's tags and/or note (its annotations.json, written atomically; run.json
 * is never touched, so a training run can be annotated); answers the run's summary. Fails with
 * BadAnnotations for a bad tag or note, AnnotationsUnreadable when the file is damaged.
 */
export namespace AnnotateRunRequest {
  export const method = 'crateLab/annotateRun';
  export const type = new RequestType<AnnotateRunParams, RunSummary, void>(method);
}

/** Client → server: the config names of a folder and the run names of a runs directory, read from disk (neither need be watched). */
export namespace NamesInUseRequest {
  export const method = 'crateLab/namesInUse';
  export const type = new RequestType<NamesInUseParams, NamesInUseResult, void>(method);
}

/** Client → server: every watched sweep (or those of one runs directory), newest first. */
export namespace ListSweepsRequest {
  export const method = 'crateLab/listSweeps';
  export const type = new RequestType<ListSweepsParams, SweepSummary[], void>(method);
}

/** Client → server: `crate-lab sweep CONFIG`; answers once the CLI has made the sweep and handed it to its scheduler. */
export namespace LaunchSweepRequest {
  export const method = 'crateLab/launchSweep';
  export const type = new RequestType<LaunchSweepParams, LaunchSweepResult, void>(method);
}

/** Client → server: `crate-lab sweep stop`; answers once the members have checkpointed and stopped. */
export namespace StopSweepRequest {
  export const method = 'crateLab/stopSweep';
  export const type = new RequestType<SweepDirParams, SweepCommandResult, void>(method);
}

/** Client → server: `crate-lab sweep resume`: the stopped, failed and killed members queued again. */
export namespace ResumeSweepRequest {
  export const method = 'crateLab/resumeSweep';
  export const type = new RequestType<SweepDirParams, SweepCommandResult, void>(method);
}

/** Server → client: the watched runs changed (every run and sweep after the change, and the runs removed). */
export namespace RunsChangedNotification {
  export const method = 'crateLab/runsChanged';
  export const type = new NotificationType<RunsChangedParams>(method);
}

/** Server → client: new events.jsonl lines of a watched run (or `reset` after a resume cut it back). */
export namespace EventsAppendedNotification {
  export const method = 'crateLab/eventsAppended';
  export const type = new NotificationType<EventsAppendedParams>(method);
}

/** Client → server: the SRR study's table over finished runs (reads measures.json; computes no measures). */
export namespace StudyRequest {
  export const method = 'crateLab/study';
  export const type = new RequestType<StudyParams, StudyResult, void>(method);
}
