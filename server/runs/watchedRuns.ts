// The runs the server knows: watches runs directories (fs.watch plus a periodic rescan), tails each
// live run's events.jsonl by byte offset, notices dead trainers, and pushes runsChanged /
// eventsAppended. The index answers the language features (RunIndex) and the run requests
// (runQueries.ts); nothing here starts or stops a trainer (trainerLaunch.ts does).
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { isLiveStatus, type RunEvent } from '../../trainer/run/format.js';
import { runFolderNames } from '../../trainer/run/runsFolder.js';
import type { InitializationOptions } from '../../protocol/customMessages.js';
import { ErrorCodes } from '../../protocol/errorCodes.js';
import type { AnnotateRunParams, RunSummary, SweepSummary } from '../../protocol/runData.js';
import { BadAnnotations, RunAnnotationsError, updateRunAnnotations } from '../../trainer/run/annotationsFile.js';
import { newestFirst } from '../../protocol/runPredicates.js';
import { guarded, type ServerLog } from '../handlerGuard.js';
import { type CostShape, hasCostShape, type MeasuredThroughput, type RunIndex } from './runIndex.js';
import { RunState } from './runStore.js';
import { SweepIndex } from './sweepIndex.js';
import { WindowThrottle } from './windowThrottle.js';

const defaultRescanMs = 1000;
/**
 * runsChanged goes out at most once per window: a training run changes run.json and events.jsonl
 * many times a second, and every notification carries the whole list. The first change after a
 * quiet window is sent at once (a status change shows without delay); later ones are gathered and
 * sent together when the window ends, computed then, so the last list is always the current one.
 */
export const runsChangedWindowMs = 250;
/**
 * Changed folders are read at most once per window, the first change after a quiet window at
 * once: a trainer appends a line per step (dozens a second on a fast machine), and each read
 * would be an eventsAppended that the extension forwards to every open panel. Gathered, a fast
 * run costs the editor what a slow one does.
 */
export const changesWindowMs = 250;

export class WatchedRuns implements RunIndex {
  private readonly runs = new Map<string, RunState>();
  private readonly runsDirWatchers = new Map<string, FSWatcher | undefined>();
  private readonly runWatchers = new Map<string, FSWatcher>();
  /** Folders changed since they were last read. */
  private readonly pending = new Set<string>();
  private readonly readChanges = new WindowThrottle(changesWindowMs, () => this.readPending(), true);
  private configRunsDirs = new Set<string>();
  private readonly extraRunsDirs = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** Runs removed since the last runsChanged. */
  private readonly removedPending = new Set<string>();
  private readonly publish = new WindowThrottle(runsChangedWindowMs, () => this.guard('runsChanged', () => this.publishNow(), false));
  private readonly sweeps = new SweepIndex();
  /** The sweeps last sent in runsChanged. */
  private sentSweeps = '';

  constructor(
    private readonly notifyRunsChanged: (runs: RunSummary[], removed: string[], sweeps: SweepSummary[]) => void,
    private readonly notifyEvents: (runDir: string, events: RunEvent[], reset?: boolean) => void,
    private readonly log: ServerLog,
  ) {}

  start(options: InitializationOptions): void {
    for (const d of options.runsDirs ?? []) this.extraRunsDirs.add(resolve(d));
    this.started = true;
    this.syncWatchers();
    this.rescan();
    this.timer = setInterval(() => this.guard('rescan', () => this.rescan()), options.rescanMs ?? defaultRescanMs);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.publish.dispose();
    this.readChanges.dispose();
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

  /** f's answer, or `fallback` after logging what it threw. */
  private guard<T>(what: string, f: () => T, fallback?: T): T | undefined {
    return guarded(this.log, `the run manager's ${what}`, fallback, f);
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
        watcher = watch(dir, () => this.changed(dir));
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

  /** Something in a runs directory or a run's folder changed: look at it now, or at the end of the current window (changesWindowMs). */
  changed(key: string): void {
    this.pending.add(key);
    this.readChanges.request();
  }

  private readPending(): void {
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
  }

  /** Adds the runs found in `dir`; `announce` says whether their events are news. */
  private scanRunsDir(dir: string, announce: boolean): Set<string> {
    const found = new Set<string>();
    for (const name of runFolderNames(dir)) {
      const runDir = join(dir, name);
      found.add(runDir);
      let run = this.runs.get(runDir);
      if (!run) {
        run = new RunState(runDir, announce);
        this.runs.set(runDir, run);
        this.refreshRun(run);
      }
      // A folder that is not a run may be a sweep folder (sweep.json); member runs are never one.
      if (!run.info) this.sweeps.look(runDir);
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
      const w = watch(run.dir, () => this.changed(run.dir));
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
    // A sweep folder deleted, or of a runs directory no longer watched, is forgotten.
    this.sweeps.keep(present);
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
    this.publish.request();
  }

  /** Sends runsChanged when a summary differs from the one last sent or a run was removed; whether it did. */
  private publishNow(): boolean {
    const now = Date.now();
    const summaries: RunSummary[] = [];
    let changed = false;
    for (const run of this.runs.values()) {
      if (!run.exists()) continue;
      const summary = this.summaryOf(run, now);
      summaries.push(summary);
      const text = JSON.stringify(summary);
      if (text !== run.sentSummary) {
        run.sentSummary = text;
        changed = true;
      }
    }
    const sweeps = this.sweeps.summaries(summaries);
    const sweepsText = JSON.stringify(sweeps);
    if (sweepsText !== this.sentSweeps) {
      this.sentSweeps = sweepsText;
      changed = true;
    }
    // A directory removed and made again within the window is not removed.
    const removed = [...this.removedPending].filter((dir) => !this.runs.has(dir));
    this.removedPending.clear();
    if (!changed && removed.length === 0) return false;
    this.notifyRunsChanged(sortRuns(summaries), removed, sweeps);
    return true;
  }

  /** A run's summary with its sweep's varying values, when it is a member of a known sweep. */
  private summaryOf(run: RunState, now: number): RunSummary {
    const summary = run.summary(now);
    if (!summary.sweep) return summary;
    const values = this.sweeps.valuesOf(run.dir, summary.sweep);
    return values ? { ...summary, sweep: { ...summary.sweep, values } } : summary;
  }

  /** The known runs named `name` in `runsDir`, newest first (no rescan: the index as it is). */
  runsOf(runsDir: string, name: string): RunSummary[] {
    const now = Date.now();
    return sortRuns([...this.runs.values()].filter((r) => dirname(r.dir) === runsDir && r.info?.name === name).map((r) => this.summaryOf(r, now)));
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
      [...this.runs.values()].filter((r) => (wanted === undefined || dirname(r.dir) === wanted) && r.exists()).map((r) => this.summaryOf(r, now)),
    );
  }

  /** Every watched sweep (or those of one runs directory), newest first, after a rescan. */
  listSweeps(runsDir?: string): SweepSummary[] {
    const runs = this.listRuns(runsDir);
    return this.sweeps.summaries(runs, runsDir === undefined ? undefined : resolve(runsDir));
  }

  /** Watches a sweep's runs directory from now on (a sweep named by a request). */
  addSweep(sweepDir: string): void {
    this.addRunsDir(dirname(resolve(sweepDir)));
    this.sweeps.look(resolve(sweepDir));
  }

  /** A run by directory, its events loaded and up to date; one outside the watched directories is tracked from now on. */
  run(runDir: string): RunState {
    const run = this.tracked(runDir);
    this.refreshRun(run, true);
    return run;
  }

  private tracked(runDir: string): RunState {
    const dir = resolve(runDir);
    let run = this.runs.get(dir);
    if (!run) {
      run = new RunState(dir, false);
      if (!run.exists()) throw new ResponseError(ErrorCodes.NotARunDirectory, `${dir} is not a run directory`);
      this.runs.set(dir, run);
    }
    return run;
  }

  /**
   * Sets a run's tags and/or note (annotations.json, atomically; never run.json, which its trainer
   * may be rewriting) and tells every client at once; answers the run's summary.
   */
  annotate(p: AnnotateRunParams): RunSummary {
    const run = this.tracked(p.runDir);
    try {
      updateRunAnnotations(run.dir, { tags: p.tags, note: p.note });
    } catch (e) {
      if (e instanceof BadAnnotations) throw new ResponseError(ErrorCodes.BadAnnotations, `${run.dir}: ${e.message}`);
      if (e instanceof RunAnnotationsError) throw new ResponseError(ErrorCodes.AnnotationsUnreadable, `${e.message}; fix or delete it to annotate the run`);
      throw e;
    }
    this.refreshRun(run);
    this.publishChanges([]);
    return this.summaryOf(run, Date.now());
  }
}

function sortRuns(runs: RunSummary[]): RunSummary[] {
  return runs.sort(newestFirst);
}
