// The runs room on the connection: the crateLab/* requests and the runsChanged / eventsAppended
// notifications (protocol/customMessages.ts). Watching starts once the client has initialized.
import type { Connection } from 'vscode-languageserver';
import {
  AnnotateRunRequest,
  CompareRunsRequest,
  EventsAppendedNotification,
  GetAttentionRequest,
  GetLayerMetricsRequest,
  GetScalarsRequest,
  type InitializationOptions,
  LaunchRequest,
  LaunchSweepRequest,
  ListRunsRequest,
  ListSweepsRequest,
  NamesInUseRequest,
  ResumeRequest,
  ResumeSweepRequest,
  RunsChangedNotification,
  StopRequest,
  StopSweepRequest,
  StudyRequest,
} from '../../protocol/customMessages.js';
import { guardedRequest } from '../handlerGuard.js';
import type { RunIndex } from './runIndex.js';
import { compareRuns, getAttention, getScalars } from './runQueries.js';
import { namesInUse } from './namesInUse.js';
import { study } from './studyQuery.js';
import { StudyRunCache } from './studyRunCache.js';
import { SweepLauncher } from './sweepLaunch.js';
import { TrainerLauncher } from './trainerLaunch.js';
import { WatchedRuns } from './watchedRuns.js';

export interface RunsRoom {
  /** The runs as the language features see them (code lenses, inlay hints, outcome diagnostics). */
  index: RunIndex;
  /** Call from onInitialize with the client's options; watching starts at `initialized`. */
  initialize(options: InitializationOptions): void;
  /** The runs directories of the open configs (watched besides the client's and the launches'). */
  setConfigRunsDirs(dirs: Set<string>): void;
}

/** Registers the crateLab/* handlers; `onRunsChanged` hears every runsChanged sent. */
export function registerRunRequests(connection: Connection, onRunsChanged: () => void = () => {}): RunsRoom {
  const log = (message: string) => connection.console.error(message);
  const runs = new WatchedRuns(
    (list, removed, sweeps) => {
      void connection.sendNotification(RunsChangedNotification.type, { runs: list, removed, sweeps });
      onRunsChanged();
    },
    (runDir, events, reset) => void connection.sendNotification(EventsAppendedNotification.type, reset ? { runDir, events, reset } : { runDir, events }),
    log,
  );
  const launcher = new TrainerLauncher(runs);
  const sweepLauncher = new SweepLauncher(runs);

  connection.onRequest(ListRunsRequest.type, guardedRequest(log, 'listRuns', (p) => runs.listRuns(p?.runsDir)));
  connection.onRequest(GetScalarsRequest.type, guardedRequest(log, 'getScalars', (p) => getScalars(runs, p)));
  connection.onRequest(
    GetLayerMetricsRequest.type,
    guardedRequest(log, 'getLayerMetrics', (p) => {
      const run = runs.run(p.runDir);
      return { runDir: run.dir, points: run.layers };
    }),
  );
  connection.onRequest(GetAttentionRequest.type, guardedRequest(log, 'getAttention', (p) => getAttention(runs, p.runDir, p.step)));
  connection.onRequest(CompareRunsRequest.type, guardedRequest(log, 'compareRuns', (p) => compareRuns(runs, p)));
  const studyRuns = new StudyRunCache();
  connection.onRequest(StudyRequest.type, guardedRequest(log, 'study', (p) => study(p, studyRuns)));
  connection.onRequest(LaunchRequest.type, guardedRequest(log, 'launch', (p) => launcher.launch(p)));
  connection.onRequest(StopRequest.type, guardedRequest(log, 'stop', (p) => launcher.stop(p.runDir)));
  connection.onRequest(ResumeRequest.type, guardedRequest(log, 'resume', (p) => launcher.resume(p.runDir)));
  connection.onRequest(AnnotateRunRequest.type, guardedRequest(log, 'annotateRun', (p) => runs.annotate(p)));
  connection.onRequest(NamesInUseRequest.type, guardedRequest(log, 'namesInUse', (p) => namesInUse(p)));
  connection.onRequest(ListSweepsRequest.type, guardedRequest(log, 'listSweeps', (p) => runs.listSweeps(p?.runsDir)));
  connection.onRequest(LaunchSweepRequest.type, guardedRequest(log, 'launchSweep', (p) => sweepLauncher.launch(p)));
  connection.onRequest(StopSweepRequest.type, guardedRequest(log, 'stopSweep', (p) => sweepLauncher.stop(p.sweepDir)));
  connection.onRequest(ResumeSweepRequest.type, guardedRequest(log, 'resumeSweep', (p) => sweepLauncher.resume(p.sweepDir)));
  connection.onShutdown(() => runs.dispose());
  // Watching (and pushing) starts once the client has the initialize result.
  let options: InitializationOptions = {};
  connection.onInitialized(() => {
    launcher.trainerNode = options.trainerNodePath || process.execPath;
    sweepLauncher.node = launcher.trainerNode;
    try {
      runs.start(options);
    } catch (e) {
      log(`crate-lab: the run manager did not start: ${(e as Error)?.stack ?? String(e)}`);
    }
  });

  return {
    index: runs,
    initialize: (o) => (options = o),
    setConfigRunsDirs: (dirs) => runs.setConfigRunsDirs(dirs),
  };
}
