// The run manager: watches runs directories (fs.watch plus a periodic rescan), tails each
// events.jsonl by byte offset, notices dead trainers, answers the crateLab/* requests and pushes
// runsChanged / eventsAppended. It also launches, stops and resumes trainers (detached processes
// of the crate-lab CLI, no shell). It never loads tfjs: only tfjs-free trainer modules are imported.
import { spawn } from 'node:child_process';
import { closeSync, constants, existsSync, type FSWatcher, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, watch } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { type Connection, ResponseError, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseDocument } from 'yaml';
import { ConfigError, loadConfigFile } from '../trainer/config/index.js';
import { fileStamp, isLiveStatus, type RunEvent, type RunInfo, runFiles } from '../trainer/run/format.js';
import { RunInfoError, readRunInfo } from '../trainer/run/runInfoFile.js';
import { runFolderNames } from '../trainer/run/runsFolder.js';
import { NotARegularFile, openRegularFile } from '../trainer/io/regularFile.js';
import { analyze, isRunConfig } from './documents.js';
import {
  CompareRunsRequest,
  EventsAppendedNotification,
  GetAttentionRequest,
  GetLayerMetricsRequest,
  GetScalarsRequest,
  type InitializationOptions,
  LaunchRequest,
  ListRunsRequest,
  ResumeRequest,
  RunsChangedNotification,
  StopRequest,
} from '../protocol/customMessages.js';
import { ErrorCodes } from '../protocol/errorCodes.js';
import type {
  CompareRunsParams,
  CompareRunsResult,
  FinalMetrics,
  GetAttentionResult,
  GetScalarsParams,
  GetScalarsResult,
  LaunchErrorData,
  LaunchParams,
  LaunchResult,
  RunSummary,
  StopResult,
} from '../protocol/runData.js';
import { newestFirst } from '../protocol/runPredicates.js';
import { alignSeries, configDiff, downsampleMinMax, kendallTauB } from './runAnalysis.js';
import { signalTrainer } from '../trainer/run/trainerProcess.js';
import { runLockHolder, runLockedMessage } from '../trainer/run/trainerGuard.js';
import { type CostShape, hasCostShape, type MeasuredThroughput, type RunIndex } from './runIndex.js';
import { RunState } from './runStore.js';
import type { ScalarTable } from './scalarTable.js';

const defaultRescanMs = 1000;
/**
 * runsChanged goes out at most once per window: a training run changes run.json and events.jsonl
 * many times a second, and every notification carries the whole list. The first change after a
 * quiet window is sent at once (a status change shows without delay); later ones are gathered and
 * sent together when the window ends, computed then, so the last list is always the current one.
 */
export const runsChangedWindowMs = 250;
/** Whether the config file itself sets a field (as opposed to taking its default). */
function configSays(file: string): (path: string[]) => boolean {
  try {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    return (path) => doc.hasIn(path);
  } catch {
    return () => false;
  }
}

/** How long launch/resume wait for the trainer to announce its run directory. */
const startTimeoutMs = 60_000;

/** The crate-lab CLI beside this bundle: dist/server/server.js → dist/trainer/cli.js (or the CLI itself for `crate-lab lsp`). */
export function trainerCliPath(): string {
  const main = process.argv[1] ? realpathSync(process.argv[1]) : '';
  if (basename(main) === 'cli.js') return main;
  return join(dirname(main), '..', 'trainer', 'cli.js');
}

export class RunManager implements RunIndex {
  private readonly runs = new Map<string, RunState>();
  private readonly runsDirWatchers = new Map<string, FSWatcher | undefined>();
  private readonly runWatchers = new Map<string, FSWatcher>();
  private readonly pending = new Set<string>();
  private configRunsDirs = new Set<string>();
  private readonly extraRunsDirs = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private started = false;
  private trainerNode = process.execPath;
  /** Runs removed since the last runsChanged. */
  private readonly removedPending = new Set<string>();
  private lastPublished = -Infinity;
  private publishTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly notifyRunsChanged: (runs: RunSummary[], removed: string[]) => void,
    private readonly notifyEvents: (runDir: string, events: RunEvent[], reset?: boolean) => void,
    private readonly log: (message: string) => void,
  ) {}

  start(options: InitializationOptions): void {
    for (const d of options.runsDirs ?? []) this.extraRunsDirs.add(resolve(d));
    this.trainerNode = options.trainerNodePath || process.execPath;
    this.started = true;
    this.syncWatchers();
    this.rescan();
    this.timer = setInterval(() => this.guard('rescan', () => this.rescan()), options.rescanMs ?? defaultRescanMs);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.publishTimer);
    for (const w of this.runsDirWatchers.values()) w?.close();
    for (const w of this.runWatchers.values()) w.close();
  }

  /** The runs directories of the open configs changed. */
  setConfigRunsDirs(dirs: Set<string>): void {
    if ([...dirs].sort().join('\n') === [...this.configRunsDirs].sort().join('\n')) return;
    this.configRunsDirs = dirs;
    if (this.started) {
      this.syncWatchers();
      this.rescan();
    }
  }

  addRunsDir(dir: string): void {
    this.extraRunsDirs.add(resolve(dir));
    this.syncWatchers();
  }

  private watchedRunsDirs(): Set<string> {
    return new Set([...this.configRunsDirs, ...this.extraRunsDirs]);
  }

  private guard(what: string, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.log(`crate-lab run manager: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** Starts/stops watchers so that exactly the wanted runs directories are watched. */
  private syncWatchers(): void {
    const wanted = this.watchedRunsDirs();
    for (const [dir, w] of this.runsDirWatchers) {
      if (!wanted.has(dir)) {
        w?.close();
        this.runsDirWatchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.runsDirWatchers.get(dir)) continue;
      const isNew = !this.runsDirWatchers.has(dir);
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dir, () => this.schedule(dir));
        watcher.on('error', () => {
          watcher?.close();
          this.runsDirWatchers.set(dir, undefined); // the rescan re-establishes it
        });
      } catch {
        watcher = undefined; // not there yet: the rescan retries
      }
      this.runsDirWatchers.set(dir, watcher);
      // Runs present when a directory is first watched are backlog, not news.
      if (isNew) this.scanRunsDir(dir, false);
    }
  }

  private schedule(key: string): void {
    this.pending.add(key);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const keys = [...this.pending];
      this.pending.clear();
      this.guard('update', () => {
        for (const k of keys) {
          if (this.runsDirWatchers.has(k)) this.scanRunsDir(k, true);
          const run = this.runs.get(k);
          if (run) this.refreshRun(run);
        }
        this.publishChanges([]);
      });
    });
  }

  /** Adds the runs found in `dir`; `announce` says whether their events are news. */
  private scanRunsDir(dir: string, announce: boolean): Set<string> {
    const found = new Set<string>();
    for (const name of runFolderNames(dir)) {
      const runDir = join(dir, name);
      found.add(runDir);
      if (!this.runs.has(runDir)) {
        const run = new RunState(runDir, announce);
        this.runs.set(runDir, run);
        this.refreshRun(run);
      }
    }
    return found;
  }

  /**
   * Watches a run's folder while its trainer may write to it (running or stopping); finished,
   * damaged and plain folders are left to the periodic rescan, so a runs directory of thousands
   * of old runs or other folders costs a handful of inotify watches, not one each.
   */
  private syncRunWatcher(run: RunState): void {
    if (isLiveStatus(run.info?.status)) this.watchRun(run);
    else if (this.runWatchers.has(run.dir)) {
      this.runWatchers.get(run.dir)?.close();
      this.runWatchers.delete(run.dir);
    }
  }

  private watchRun(run: RunState): void {
    if (this.runWatchers.has(run.dir)) return;
    try {
      const w = watch(run.dir, () => this.schedule(run.dir));
      w.on('error', () => {
        w.close();
        this.runWatchers.delete(run.dir);
      });
      this.runWatchers.set(run.dir, w);
    } catch {
      // gone already; the rescan removes it
    }
  }

  private refreshRun(run: RunState, load = false): void {
    let events: RunEvent[];
    try {
      events = run.refresh(load);
      run.readError = undefined;
    } catch (e) {
      // An unreadable file (permissions, a directory named events.jsonl): this run only.
      run.readError = `cannot read the run: ${(e as Error).message}`;
      return;
    } finally {
      this.syncRunWatcher(run);
    }
    if (run.wasReset) {
      run.wasReset = false;
      if (run.announce) this.notifyEvents(run.dir, [], true);
    }
    if (events.length > 0 && run.announce) this.notifyEvents(run.dir, events);
    run.announce = true;
  }

  /** The full rescan: new, changed and deleted runs, dead trainers (status is re-evaluated). */
  rescan(): void {
    const present = new Set<string>();
    this.syncWatchers();
    for (const dir of this.watchedRunsDirs()) {
      for (const runDir of this.scanRunsDir(dir, true)) present.add(runDir);
    }
    const removed: string[] = [];
    for (const [runDir, run] of this.runs) {
      const pinned = !this.watchedRunsDirs().has(dirname(runDir));
      if ((!present.has(runDir) && !pinned) || (pinned && !existsSync(runDir))) {
        this.runs.delete(runDir);
        this.runWatchers.get(runDir)?.close();
        this.runWatchers.delete(runDir);
        if (run.sentSummary) removed.push(runDir);
        continue;
      }
      this.refreshRun(run);
    }
    this.publishChanges(removed);
  }

  /** Something may have changed: tell clients now, or at the end of the current window (runsChangedWindowMs). */
  private publishChanges(removed: string[]): void {
    for (const dir of removed) this.removedPending.add(dir);
    if (this.publishTimer) return;
    const wait = this.lastPublished + runsChangedWindowMs - Date.now();
    if (wait <= 0) {
      this.publishNow();
      return;
    }
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.guard('runsChanged', () => this.publishNow());
    }, wait);
  }

  /** Sends runsChanged when a summary differs from the one last sent or a run was removed. */
  private publishNow(): void {
    const now = Date.now();
    const summaries: RunSummary[] = [];
    let changed = false;
    for (const run of this.runs.values()) {
      if (!run.exists()) continue;
      const summary = run.summary(now);
      summaries.push(summary);
      const text = JSON.stringify(summary);
      if (text !== run.sentSummary) {
        run.sentSummary = text;
        changed = true;
      }
    }
    // A directory removed and made again within the window is not removed.
    const removed = [...this.removedPending].filter((dir) => !this.runs.has(dir));
    this.removedPending.clear();
    if (!changed && removed.length === 0) return;
    this.lastPublished = now;
    this.notifyRunsChanged(sortRuns(summaries), removed);
  }

  /** The known runs named `name` in `runsDir`, newest first (no rescan: the index as it is). */
  runsOf(runsDir: string, name: string): RunSummary[] {
    const now = Date.now();
    return sortRuns([...this.runs.values()].filter((r) => dirname(r.dir) === runsDir && r.info?.name === name).map((r) => r.summary(now)));
  }

  lastThroughput(shape: CostShape): MeasuredThroughput | undefined {
    const now = Date.now();
    const candidates = [...this.runs.values()].filter((r) => r.info && hasCostShape(r.config(), shape)).map((r) => r.summary(now));
    const run = sortRuns(candidates).find((r) => r.imagesPerSecond !== null && r.imagesPerSecond > 0);
    return run ? { run, imagesPerSecond: run.imagesPerSecond! } : undefined;
  }

  listRuns(runsDir?: string): RunSummary[] {
    this.rescan();
    const now = Date.now();
    const wanted = runsDir === undefined ? undefined : resolve(runsDir);
    return sortRuns(
      [...this.runs.values()].filter((r) => (wanted === undefined || dirname(r.dir) === wanted) && r.exists()).map((r) => r.summary(now)),
    );
  }

  /** A run by directory, its events loaded and up to date; one outside the watched directories is tracked from now on. */
  run(runDir: string): RunState {
    const dir = resolve(runDir);
    let run = this.runs.get(dir);
    if (!run) {
      run = new RunState(dir, false);
      if (!run.exists()) throw new ResponseError(ErrorCodes.NotARunDirectory, `${dir} is not a run directory`);
      this.runs.set(dir, run);
    }
    this.refreshRun(run, true);
    return run;
  }

  getScalars({ runDir, keys, since, maxPoints }: GetScalarsParams): GetScalarsResult {
    const run = this.run(runDir);
    const series: GetScalarsResult['series'] = {};
    const tables: ScalarTable[] = [run.scalars, run.evals];
    for (const table of tables) {
      const from = since === undefined ? 0 : table.firstAfter(since);
      for (const [key, column] of table.columns) {
        if (keys && !keys.includes(key)) continue;
        series[key] = downsampleMinMax({ step: table.steps, value: column }, maxPoints ?? Infinity, from, table.length);
      }
    }
    for (const key of keys ?? []) series[key] ??= { step: [], value: [] };
    return { runDir: run.dir, lastStep: run.lastStep, series };
  }

  getAttention(runDir: string, step: number): GetAttentionResult | null {
    const run = this.run(runDir);
    if (run.attention.length === 0) return null;
    let ref = run.attention[0];
    for (const a of run.attention) if (a.step <= step) ref = a;
    const buf = Buffer.alloc(ref.length);
    let fd: number;
    try {
      ({ fd } = openRegularFile(join(run.dir, runFiles.attention), { noFollow: true }));
    } catch (e) {
      throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} of ${run.dir} cannot be read: ${e instanceof NotARegularFile ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      const n = readSync(fd, buf, 0, ref.length, ref.offset);
      if (n !== ref.length) throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} is shorter than its index says (step ${ref.step})`);
    } finally {
      closeSync(fd);
    }
    const damage = attentionDamage(buf);
    if (damage) throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} of ${run.dir} is damaged at step ${ref.step}: ${damage}`);
    return {
      runDir: run.dir,
      step: ref.step,
      steps: run.attention.map((a) => a.step),
      layers: ref.layers,
      images: ref.images,
      heads: ref.heads,
      grid: ref.grid,
      encoding: 'base64-float32le',
      data: buf.toString('base64'),
      probe: probeOf(run),
    };
  }

  compareRuns({ runDirs, maxPoints }: CompareRunsParams): CompareRunsResult {
    const runs = runDirs.map((d) => this.run(d));
    const series: CompareRunsResult['series'] = {};
    for (const key of ['loss', 'accuracy', 'validation.loss', 'validation.accuracy']) {
      const per = runs.map((r) => {
        const table = key.includes('.') ? r.evals : r.scalars;
        const column = table.columns.get(key);
        return column ? downsampleMinMax({ step: table.steps, value: column }, maxPoints ?? Infinity, 0, table.length) : { step: [], value: [] };
      });
      if (per.some((p) => p.step.length > 0)) series[key] = alignSeries(per);
    }
    const configs = runs.map((r) => r.config() ?? null);
    const final: FinalMetrics[] = runs.map((r) => {
      const summary = r.summary();
      const trainLoss = r.scalars.last('loss');
      const validationLoss = r.evals.last('validation.loss');
      return {
        runDir: r.dir,
        id: summary.id,
        status: summary.status,
        step: summary.step,
        trainLoss,
        validationLoss,
        validationAccuracy: r.evals.last('validation.accuracy'),
        testLoss: r.evals.last('test.loss'),
        testAccuracy: r.evals.last('test.accuracy'),
        srr: r.finalSrr(),
        generalizationGap: validationLoss !== null && trainLoss !== null ? validationLoss - trainLoss : null,
      };
    });
    const paired = final.filter((f) => f.srr !== null && Number.isFinite(f.srr) && f.generalizationGap !== null && Number.isFinite(f.generalizationGap));
    const tau = paired.length >= 2 ? kendallTauB(paired.map((f) => f.srr!), paired.map((f) => f.generalizationGap!)) : null;
    return { runDirs: runs.map((r) => r.dir), series, configDiff: configDiff(configs), final, kendallTau: { tau, runs: paired.length } };
  }

  /** Spawns the CLI detached (no shell), output to a log file, and waits for its `start` line. */
  private async spawnTrainer(args: string[], runsDir: string): Promise<LaunchResult> {
    const logs = join(runsDir, '.logs');
    mkdirSync(logs, { recursive: true });
    // Written by the trainer: never through a link (a linked .logs or log file could lead anywhere).
    if (lstatSync(logs).isSymbolicLink()) throw new ResponseError(ErrorCodes.LogsFolderIsLink, `${logs} is a symbolic link; the trainer's logs are written only into a folder of the runs directory`);
    const logFile = join(logs, `${fileStamp()}-${args[0]}-${Math.random().toString(36).slice(2, 8)}.log`);
    const fd = openSync(logFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    let child;
    try {
      child = spawn(this.trainerNode, [trainerCliPath(), ...args, '--json'], { detached: true, stdio: ['ignore', fd, fd], shell: false, windowsHide: true });
    } finally {
      closeSync(fd);
    }
    let exited: number | string | null | undefined;
    child.on('exit', (code) => (exited = code));
    child.on('error', (e) => (exited = `${this.trainerNode} could not be started: ${e.message}`));
    child.unref();
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const text = readFileSync(logFile, 'utf8');
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const o = JSON.parse(line) as { type?: string; runDir?: string };
          if (o.type === 'start' && typeof o.runDir === 'string') return { runDir: resolve(o.runDir), pid: child.pid ?? -1, logFile };
        } catch {
          // a partial line: read again
        }
      }
      if (exited !== undefined) {
        const reason = typeof exited === 'string' ? exited : (text.split('\n').filter((l) => l.trim() && !l.startsWith('{')).at(-1) ?? `exit code ${exited}`);
        throw new ResponseError<LaunchErrorData>(ErrorCodes.TrainerExited, `the trainer exited before starting: ${reason}`, { logFile });
      }
      if (Date.now() > deadline) throw new ResponseError<LaunchErrorData>(ErrorCodes.TrainerStartTimeout, `the trainer did not start within ${startTimeoutMs / 1000} s (log: ${logFile})`, { logFile });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async launch({ configPath, runsDir: runsDirParam, maxSteps, backend, introspectEvery }: LaunchParams): Promise<LaunchResult> {
    const file = resolve(configPath);
    let runsDir: string;
    try {
      runsDir = runsDirParam !== undefined ? resolve(runsDirParam) : loadConfigFile(file).config.runsDir;
    } catch (e) {
      throw new ResponseError(ErrorCodes.ConfigRejected, e instanceof ConfigError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
    }
    const args = ['train', file, '--runs-dir', runsDir];
    if (maxSteps !== undefined) args.push('--max-steps', String(maxSteps));
    // The client's defaults apply only where the config is silent.
    const says = configSays(file);
    if (backend !== undefined && !says(['backend'])) args.push('--backend', backend);
    if (introspectEvery !== undefined && !says(['introspect', 'every'])) args.push('--introspect-every', String(introspectEvery));
    this.addRunsDir(runsDir);
    const result = await this.spawnTrainer(args, runsDir);
    this.schedule(runsDir);
    return result;
  }

  async resume(runDir: string): Promise<LaunchResult> {
    const dir = resolve(runDir);
    if (!existsSync(join(dir, runFiles.info))) throw new ResponseError(ErrorCodes.NotARunDirectory, `${dir} is not a run directory`);
    // The trainer refuses too (a request racing this one passes here): this only answers sooner.
    const holder = await runLockHolder(dir);
    if (holder) throw new ResponseError(ErrorCodes.RunLocked, runLockedMessage(dir, holder));
    return this.spawnTrainer(['resume', dir], dirname(dir));
  }

  /** `crate-lab stop RUN_DIR`: SIGTERM to the trainer in run.json (without waiting for it). */
  stop(runDir: string): StopResult {
    const dir = resolve(runDir);
    let info: RunInfo;
    try {
      info = readRunInfo(dir);
    } catch (e) {
      if (!(e instanceof RunInfoError)) throw e;
      throw new ResponseError(ErrorCodes.RunInfoUnreadable, e.message);
    }
    if (!isLiveStatus(info.status)) return { signalled: false, message: `${dir} is not running (status ${info.status})` };
    if (info.host !== hostname()) throw new ResponseError(ErrorCodes.RunOnOtherHost, `${dir} runs on ${info.host}; stop it there`);
    if (!signalTrainer(info)) throw new ResponseError(ErrorCodes.TrainerGone, `the trainer of ${dir} (pid ${info.pid}) is gone; resume it instead`);
    return { signalled: true, message: `sent SIGTERM to pid ${info.pid}` };
  }
}

/**
 * What is wrong with attention maps read from attention.bin, if anything: each map is a softmax
 * row's weights, so a value that is not a number in [0, 1] means the file is damaged (not drawn).
 */
function attentionDamage(bytes: Buffer): string | undefined {
  if (bytes.length % 4 !== 0) return `${bytes.length} bytes is not a whole number of float32 values`;
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return `value ${i} is ${v}, not an attention weight in [0, 1]`;
  }
  return undefined;
}

/** A run's probe.bin, its dimensions from config.yaml's model; null when it is missing or does not fit them. */
function probeOf(run: RunState): GetAttentionResult['probe'] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(run.dir, runFiles.probe));
  } catch {
    return null;
  }
  const model = (run.config() as { model?: { channels?: unknown; image?: unknown } } | undefined)?.model;
  const channels = model?.channels;
  const side = model?.image;
  if (typeof channels !== 'number' || typeof side !== 'number' || channels < 1 || side < 1) return null;
  const images = bytes.length / (4 * channels * side * side);
  if (!Number.isInteger(images) || images < 1) return null;
  return { images, channels, height: side, width: side, encoding: 'base64-float32le', data: bytes.toString('base64') };
}

function sortRuns(runs: RunSummary[]): RunSummary[] {
  return runs.sort(newestFirst);
}

export interface RunManagerPart {
  /** The runs as the language features see them (code lenses, inlay hints, outcome diagnostics). */
  index: RunIndex;
  /** Call from onInitialize with the client's options; watching starts at `initialized`. */
  initialize(options: InitializationOptions): void;
}

/** Registers the crateLab/* handlers; watching starts at initialize. */
export function registerRunManager(connection: Connection, documents: TextDocuments<TextDocument>, onRunsChanged: () => void = () => {}): RunManagerPart {
  const manager = new RunManager(
    (runs, removed) => {
      void connection.sendNotification(RunsChangedNotification.type, { runs, removed });
      onRunsChanged();
    },
    (runDir, events, reset) => void connection.sendNotification(EventsAppendedNotification.type, reset ? { runDir, events, reset } : { runDir, events }),
    (message) => connection.console.error(message),
  );

  const updateConfigDirs = () => {
    const dirs = new Set<string>();
    for (const doc of documents.all()) {
      if (!isRunConfig(doc.uri)) continue;
      try {
        const runsDir = analyze(doc).result.config?.runsDir;
        if (runsDir && existsSync(dirname(runsDir))) dirs.add(runsDir);
      } catch {
        // an unanalysable document contributes no runs directory
      }
    }
    manager.setConfigRunsDirs(dirs);
  };
  documents.onDidOpen(updateConfigDirs);
  documents.onDidChangeContent(updateConfigDirs);
  documents.onDidClose(updateConfigDirs);

  const wrap =
    <P, R>(what: string, f: (p: P) => R | Promise<R>) =>
    async (p: P): Promise<R | ResponseError<void>> => {
      try {
        return await f(p);
      } catch (e) {
        if (e instanceof ResponseError) return e as ResponseError<void>;
        connection.console.error(`crate-lab: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
        return new ResponseError(ErrorCodes.InternalError, `${what} failed: ${(e as Error)?.message ?? String(e)}`);
      }
    };

  connection.onRequest(ListRunsRequest.type, wrap('listRuns', (p) => manager.listRuns(p?.runsDir)));
  connection.onRequest(GetScalarsRequest.type, wrap('getScalars', (p) => manager.getScalars(p)));
  connection.onRequest(
    GetLayerMetricsRequest.type,
    wrap('getLayerMetrics', (p) => {
      const run = manager.run(p.runDir);
      return { runDir: run.dir, points: run.layers };
    }),
  );
  connection.onRequest(GetAttentionRequest.type, wrap('getAttention', (p) => manager.getAttention(p.runDir, p.step)));
  connection.onRequest(CompareRunsRequest.type, wrap('compareRuns', (p) => manager.compareRuns(p)));
  connection.onRequest(LaunchRequest.type, wrap('launch', (p) => manager.launch(p)));
  connection.onRequest(StopRequest.type, wrap('stop', (p) => manager.stop(p.runDir)));
  connection.onRequest(ResumeRequest.type, wrap('resume', (p) => manager.resume(p.runDir)));
  connection.onShutdown(() => manager.dispose());
  // Watching (and pushing) starts once the client has the initialize result.
  let options: InitializationOptions = {};
  connection.onInitialized(() => {
    try {
      manager.start(options);
    } catch (e) {
      connection.console.error(`crate-lab: the run manager did not start: ${(e as Error)?.stack ?? String(e)}`);
    }
  });

  return {
    index: manager,
    initialize: (o) => (options = o),
  };
}
