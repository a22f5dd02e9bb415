// What the run manager keeps of one run in memory: run.json, the tail position in events.jsonl,
// the events in compact form, and config.yaml (parsed when first asked for). A finished run is
// only summarised (run.json and the last bytes of events.jsonl) until a request needs its data; a
// live one is loaded and tailed at once.
// Scalars live in typed-array tables (scalarTable.ts), filled from scalars.bin when a finished run
// has a sound one (finishedRunLoad.ts), else from the JSON lines; per-layer metrics and attention
// references are few (one per introspection step), kept as records.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readEventsFrom } from '../../trainer/run/eventsReader.js';
import { trainerAlive } from '../../trainer/run/trainerProcess.js';
import { isLiveStatus, type LayerMetricsRecord, type RunAnnotations, type RunEvent, type RunInfo, resumedAtStep, runFiles, staleHeartbeatMs } from '../../trainer/run/format.js';
import { RunInfoError, readRunInfo } from '../../trainer/run/runInfoFile.js';
import { RunAnnotationsError, readRunAnnotations } from '../../trainer/run/annotationsFile.js';
import { loadFinishedRun } from './finishedRunLoad.js';
import { type DivergingLoss, type HeldOutAccuracy, type RunSummary, scalarsOfEvent } from '../../protocol/runData.js';
import { warmupSteps } from '../../trainer/train/schedule.js';
import { type LossPoint, divergenceRule, divergingLoss } from './lossDivergence.js';
import { ScalarTable } from './scalarTable.js';

/** Where one step's attention maps lie in attention.bin: the attention event without its envelope. */
export type AttentionRef = Omit<Extract<RunEvent, { type: 'attention' }>, 't' | 'type'>;

const thisHost = hostname();
const readPieceBytes = 2 * 1024 * 1024;

/** Which trainer process wrote run.json. */
const trainerOf = (info: RunInfo): string => `${info.host}:${info.pid}:${info.trainerIdentity ?? ''}`;

export class RunState {
  info: RunInfo | undefined;
  infoError: string | undefined;
  /** Set when run.json names another trainer than before: events.jsonl is then read anew. */
  private trainerChanged = false;
  private infoStamp = '';
  private eventsIno = -1;
  offset = 0;
  badLines = 0;
  /** Bytes after the last complete line of events.jsonl. */
  tornBytes = 0;
  scalars = new ScalarTable();
  evals = new ScalarTable();
  layers: { step: number; layers: LayerMetricsRecord[] }[] = [];
  attention: AttentionRef[] = [];
  lastStep = 0;
  /** The steps at which a stopped run was resumed (each resumed session's checkpoint step), in order. */
  resumedAt: number[] = [];
  /** Training time so far (ms): the spans between consecutive events, without a resume's gap (trainingTime). */
  private elapsedMs = 0;
  private lastEventMs: number | undefined;
  /** elapsedMs at the last checkpoint event: where a resume cut events.jsonl back to. */
  private elapsedMsAtCheckpoint = 0;
  /** Why the last refresh failed (reported in the summary). */
  readError: string | undefined;
  /** Set when events.jsonl was cut back and re-read; the manager clears it after telling clients. */
  wasReset = false;
  /** Whether the events are in memory (else only run.json and the end of events.jsonl were read). */
  loaded = false;
  private peekedSize = 0;
  private peekedLoss: number | null = null;
  private peekedImagesPerSecond: number | null = null;
  /** The last training steps of an unloaded run's tail (as many as the divergence rule judges), in step order. */
  private peekedPoints: LossPoint[] = [];
  /** The divergence verdict and what it was computed from (recomputed only when that changes). */
  private divergence: { key: string; value: DivergingLoss | undefined } = { key: '', value: undefined };
  /** Whether new events are pushed as `eventsAppended` (not the backlog of runs found at start). */
  announce: boolean;
  /** The summary last sent in runsChanged. */
  sentSummary = '';

  constructor(
    readonly dir: string,
    announce: boolean,
  ) {
    this.announce = announce;
  }

  private configStamp = '';
  private configValue: unknown;
  private annotationsStamp = '';
  annotations: RunAnnotations | undefined;
  /** Why annotations.json cannot be read (the run is listed all the same, without tags or note). */
  annotationsError: string | undefined;

  /**
   * config.yaml, parsed (the fully resolved config the trainer runs with); undefined when it is
   * missing or not YAML. Read on first use and again when the file changes (a resume rewrites it).
   */
  config(): unknown {
    const file = join(this.dir, runFiles.config);
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      return undefined;
    }
    if (stamp !== this.configStamp) {
      this.configStamp = stamp;
      try {
        this.configValue = parseYaml(readFileSync(file, 'utf8')) as unknown;
      } catch {
        this.configValue = undefined;
      }
    }
    return this.configValue;
  }

  /** Whether the directory looks like a run (has run.json or events.jsonl). */
  exists(): boolean {
    try {
      statSync(join(this.dir, runFiles.info));
      return true;
    } catch {
      try {
        statSync(join(this.dir, runFiles.events));
        return true;
      } catch {
        return false;
      }
    }
  }

  /**
   * Re-reads run.json when it changed, then either reads the new lines of events.jsonl (a loaded
   * run) and returns them, or only peeks at the file's end for the summary (an unloaded one).
   * Live runs (running/stopping) are loaded at once; finished ones when a request needs their data.
   */
  refresh(load = false): RunEvent[] {
    this.refreshInfo();
    this.refreshAnnotations();
    const live = isLiveStatus(this.info?.status);
    if (!this.loaded && (load || live)) {
      this.loaded = true;
      // What was already summarised is backlog; only lines past it are news. A finished run's
      // whole file is backlog, read the fast way when its scalars.bin matches it.
      if (live || !this.loadFinished()) this.tail(this.peekedSize);
    }
    if (this.loaded) return this.tail();
    this.peek();
    return [];
  }

  /** Takes a finished run's backlog from scalars.bin and the non-scalar lines; false when it does not match. */
  private loadFinished(): boolean {
    const backlog = loadFinishedRun(this.dir);
    if (!backlog) return false;
    this.scalars = backlog.scalars;
    this.evals = backlog.evals;
    for (const e of backlog.others) this.ingest(e);
    this.lastStep = Math.max(this.lastStep, backlog.lastStep);
    this.offset = backlog.offset;
    this.eventsIno = backlog.eventsIno;
    this.badLines = backlog.badLines;
    return true;
  }

  /** Reads events.jsonl's last bytes: the last scalars and whether the last line is torn. */
  private peek(): void {
    const file = join(this.dir, runFiles.events);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size === this.peekedSize) return;
    this.peekedSize = size;
    const start = Math.max(0, size - 64 * 1024);
    let text: string;
    try {
      const fd = openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - start);
        const n = readSync(fd, buf, 0, buf.length, start);
        text = buf.subarray(0, n).toString('utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return;
    }
    const lastNewline = text.lastIndexOf('\n');
    this.tornBytes = Buffer.byteLength(text.slice(lastNewline + 1));
    const lines = text.slice(0, lastNewline + 1).split('\n');
    const points: LossPoint[] = [];
    for (let i = lines.length - 1; i >= (start > 0 ? 1 : 0) && points.length < divergenceRule.steps; i--) {
      if (!lines[i].includes('"scalars"')) continue;
      try {
        const e = JSON.parse(lines[i]) as RunEvent;
        if (e.type !== 'scalars') continue;
        if (points.length === 0) {
          this.peekedLoss = Math.fround(e.loss);
          this.peekedImagesPerSecond = Math.fround(e.imagesPerSecond);
          this.lastStep = Math.max(this.lastStep, e.step);
        }
        // float32, as a loaded run's table holds them, so both give one verdict.
        points.push({ step: e.step, loss: Math.fround(e.loss), srrLoss: typeof e.srrLoss === 'number' ? Math.fround(e.srrLoss) : 0 });
      } catch {
        // a bad line: look further back
      }
    }
    this.peekedPoints = points.reverse();
  }

  /** Re-reads annotations.json when it changed (another window, a hand edit, `crate-lab train --tag`). */
  refreshAnnotations(): void {
    // Most runs have none: asked without an exception (one each rescan would cost more than the stat).
    let s;
    try {
      s = statSync(join(this.dir, runFiles.annotations), { throwIfNoEntry: false });
    } catch {
      s = undefined; // not a folder any more (the rescan removes the run)
    }
    const stamp = s ? `${s.ino}:${s.mtimeMs}:${s.size}` : '';
    if (stamp === this.annotationsStamp) return;
    this.annotationsStamp = stamp;
    this.annotations = undefined;
    this.annotationsError = undefined;
    if (!stamp) return;
    try {
      this.annotations = readRunAnnotations(this.dir);
    } catch (e) {
      if (!(e instanceof RunAnnotationsError)) throw e;
      this.annotationsError = e.message;
    }
  }

  /** Reads run.json again when it changed on disk; whether it had. */
  private refreshInfo(): boolean {
    const file = join(this.dir, runFiles.info);
    let stamp: string;
    try {
      const s = statSync(file);
      stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
    } catch {
      const had = this.info !== undefined;
      this.info = undefined;
      this.infoError = `no ${runFiles.info}`;
      this.infoStamp = '';
      return had;
    }
    if (stamp === this.infoStamp) return false;
    this.infoStamp = stamp;
    try {
      const info = readRunInfo(this.dir);
      // Another trainer (a resume) cut events.jsonl back to its checkpoint before it wrote
      // run.json; the file may have grown past what was read since, so it is read anew.
      if (this.info && trainerOf(this.info) !== trainerOf(info)) this.trainerChanged = true;
      this.info = info;
      this.infoError = undefined;
    } catch (e) {
      if (!(e instanceof RunInfoError)) throw e;
      this.info = undefined;
      this.infoError = e.message;
    }
    return true;
  }

  /** Reads complete lines up to byte `until` (to the end by default) in pieces of 2 MB. */
  private tail(until = Infinity): RunEvent[] {
    const file = join(this.dir, runFiles.events);
    let size: number;
    try {
      const s = statSync(file);
      size = s.size;
      // A resume cuts events.jsonl back to its checkpoint (or a new file replaced it): start over.
      if (s.ino !== this.eventsIno || size < this.offset || this.trainerChanged) {
        this.trainerChanged = false;
        if (this.eventsIno !== -1) {
          // Cut back by a resume (or replaced): what is there now is known history, not news.
          this.reset();
          this.eventsIno = s.ino;
          this.wasReset = true;
          if (until === Infinity) this.tail(size);
        }
        this.eventsIno = s.ino;
      }
    } catch {
      return [];
    }
    if (size === this.offset) {
      this.tornBytes = 0;
      return [];
    }
    const events: RunEvent[] = [];
    const backlog = until !== Infinity;
    // Scalars lines are ~150 bytes: reserve for the backlog at once instead of growing by copies.
    if (backlog && this.offset === 0) this.scalars.reserve(Math.ceil(Math.min(until, size) / 140));
    for (;;) {
      const limit = Math.min(readPieceBytes, until - this.offset);
      if (!(limit > 0)) break;
      const chunk = readEventsFrom(file, this.offset, limit);
      if (chunk.offset === this.offset) break;
      this.offset = chunk.offset;
      this.badLines += chunk.badLines;
      for (const e of chunk.events) this.ingest(e);
      if (!backlog) for (const e of chunk.events) events.push(e);
    }
    if (backlog) {
      this.scalars.trim();
      this.evals.trim();
    }
    try {
      this.tornBytes = Math.max(0, statSync(file).size - this.offset);
    } catch {
      this.tornBytes = 0;
    }
    return events;
  }

  private reset(): void {
    this.offset = 0;
    this.badLines = 0;
    this.scalars = new ScalarTable();
    this.evals = new ScalarTable();
    this.layers = [];
    this.attention = [];
    this.lastStep = 0;
    this.resumedAt = [];
    this.elapsedMs = 0;
    this.lastEventMs = undefined;
    this.elapsedMsAtCheckpoint = 0;
  }

  /**
   * Adds the span since the previous event. A resumed session opens with its log line (after any
   * warnings) right after the checkpoint event it resumed from: the spans since that checkpoint
   * are the time the run sat stopped (and the resume's loading), so they are taken back. Only the
   * span sums matter, so a finished run's unparsed scalar lines (finishedRunLoad.ts) change nothing:
   * each session begins and ends with other events.
   */
  private trainingTime(e: RunEvent): void {
    const ms = typeof e.t === 'string' ? Date.parse(e.t) : NaN;
    if (!Number.isFinite(ms)) return;
    if (this.lastEventMs !== undefined && ms > this.lastEventMs) this.elapsedMs += ms - this.lastEventMs;
    this.lastEventMs = ms;
    if (e.type === 'checkpoint') this.elapsedMsAtCheckpoint = this.elapsedMs;
    else if (e.type === 'log' && resumedAtStep(e) !== undefined) this.elapsedMs = this.elapsedMsAtCheckpoint;
  }

  /** The trainer's own estimate for a running run: steps left × batch size / images per second. */
  private etaSeconds(status: RunSummary['status']): number | undefined {
    const info = this.info;
    const rate = this.scalars.last('imagesPerSecond');
    const batchSize = (this.config() as { optim?: { batchSize?: unknown } } | undefined)?.optim?.batchSize;
    if (status !== 'running' || !info || rate === null || !(rate > 0) || typeof batchSize !== 'number' || !(batchSize > 0)) return undefined;
    return (Math.max(0, info.totalSteps - info.step) * batchSize) / rate;
  }

  private ingest(e: RunEvent): void {
    if (e === null || typeof e !== 'object') return;
    if (typeof e.step === 'number' && e.step > this.lastStep) this.lastStep = e.step;
    this.trainingTime(e);
    switch (e.type) {
      // Training scalars come every step, evaluations rarely: two tables, so neither is mostly NaN.
      // A training step not past the last one means events.jsonl went back (a resume's cut read
      // late, or a second writer's lines): the later lines win, so no step is shown twice and the
      // steps stay ordered (firstAfter needs it). An evaluation may log two rows at one step.
      case 'scalars':
        if (this.scalars.length > 0 && e.step <= this.scalars.steps[this.scalars.length - 1]) {
          this.scalars.dropFrom(e.step);
          this.evals.dropFrom(e.step);
          this.resumedAt = this.resumedAt.filter((s) => s < e.step);
        }
        this.scalars.append(e.step, scalarsOfEvent(e));
        break;
      case 'eval':
        if (this.evals.length > 0 && e.step < this.evals.steps[this.evals.length - 1]) this.evals.dropFrom(e.step);
        this.evals.append(e.step, scalarsOfEvent(e));
        break;
      case 'log': {
        const resumed = resumedAtStep(e);
        // A later resume from an earlier checkpoint replaces those past it (their sessions were cut).
        if (resumed !== undefined) this.resumedAt = [...this.resumedAt.filter((s) => s < resumed), resumed];
        break;
      }
      case 'layers':
        if (Array.isArray(e.layers)) this.layers.push({ step: e.step, layers: e.layers });
        break;
      case 'attention':
        this.attention.push({ step: e.step, offset: e.offset, length: e.length, layers: e.layers, images: e.images, heads: e.heads, grid: e.grid, predictions: e.predictions });
        break;
    }
  }

  /** The last training steps, as many as the divergence rule judges, in step order. */
  private lastLossPoints(): LossPoint[] {
    if (!this.loaded) return this.peekedPoints;
    const loss = this.scalars.columns.get('loss');
    const srr = this.scalars.columns.get('srrLoss');
    if (!loss) return [];
    const points: LossPoint[] = [];
    for (let i = Math.max(0, this.scalars.length - divergenceRule.steps); i < this.scalars.length; i++) {
      points.push({ step: this.scalars.steps[i], loss: loss[i], srrLoss: srr && !Number.isNaN(srr[i]) ? srr[i] : 0 });
    }
    return points;
  }

  /** Whether the run is diverging (lossDivergence.ts), judged on its classes and warm-up from config.yaml. */
  private diverging(): DivergingLoss | undefined {
    const points = this.lastLossPoints();
    const last = points.at(-1);
    // run.json changes with every step of a live run; a finished run's verdict is computed once.
    const key = `${this.loaded}:${points.length}:${last?.step}:${last?.loss}:${this.infoStamp}`;
    if (key === this.divergence.key) return this.divergence.value;
    const config = this.config() as { model?: { classes?: unknown }; optim?: { warmup?: unknown } } | undefined;
    const classes = config?.model?.classes;
    const warmup = config?.optim?.warmup;
    const value =
      typeof classes === 'number' && typeof warmup === 'number' && this.info ? divergingLoss(points, classes, warmupSteps(warmup, this.info.totalSteps)) : undefined;
    this.divergence = { key, value };
    return value;
  }

  /** Mean SRR measure over the layers of the last `layers` event. */
  finalSrr(): number | null {
    const last = this.layers.at(-1);
    if (!last || last.layers.length === 0) return null;
    return last.layers.reduce((s, l) => s + l.srr, 0) / last.layers.length;
  }

  /** Best and last held-out accuracy (validation, else test) of the evaluations read so far. */
  heldOutAccuracy(): HeldOutAccuracy | null {
    for (const split of ['validation', 'test'] as const) {
      const column = this.evals.columns.get(`${split}.accuracy`);
      if (!column) continue;
      let found: HeldOutAccuracy | null = null;
      for (let i = 0; i < this.evals.length; i++) {
        const v = column[i];
        if (Number.isNaN(v)) continue;
        const step = this.evals.steps[i];
        if (!found) found = { split, best: v, bestStep: step, final: v, finalStep: step };
        // The first of equal bests: the earliest step that reached it.
        if (v > found.best) Object.assign(found, { best: v, bestStep: step });
        Object.assign(found, { final: v, finalStep: step });
      }
      if (found) return found;
    }
    return null;
  }

  /** run.json says live and names a trainer of this host that is gone. */
  private trainerGone(): boolean {
    const info = this.info;
    return !!info && isLiveStatus(info.status) && info.host === thisHost && !trainerAlive(info);
  }

  summary(now = Date.now()): RunSummary {
    let trainerGone = this.trainerGone();
    // A trainer writes its last status, then exits: run.json read before that write would make a
    // stopped or finished run look dead. Read it again before saying so; the trainer is asked
    // about again only if run.json changed (a crashed run's stays as it was, summary after summary).
    if (trainerGone && this.refreshInfo()) trainerGone = this.trainerGone();
    const info = this.info;
    let status: RunSummary['status'] = info?.status ?? 'unknown';
    let statusReason = info?.error;
    if (info && isLiveStatus(info.status)) {
      const heartbeatAge = now - Date.parse(info.heartbeat);
      if (trainerGone) {
        status = 'failed';
        statusReason = `the trainer (pid ${info.pid}) is gone without finishing`;
      } else if (!(heartbeatAge <= staleHeartbeatMs)) {
        status = 'failed';
        statusReason = `no heartbeat for ${Number.isFinite(heartbeatAge) ? `${Math.round(heartbeatAge / 1000)} s` : 'ever'} (trainer presumed dead)`;
      }
    }
    const eta = this.loaded ? this.etaSeconds(status) : undefined;
    const diverging = this.diverging();
    const errors: string[] = [];
    if (this.infoError) errors.push(this.infoError);
    if (this.readError) errors.push(this.readError);
    if (this.annotationsError) errors.push(this.annotationsError);
    if (this.badLines > 0) errors.push(`${this.badLines} line(s) of ${runFiles.events} are not JSON`);
    // A torn last line is normal while a trainer writes; once it is gone, the line stays torn.
    if (this.tornBytes > 0 && !isLiveStatus(status)) errors.push(`${runFiles.events} ends with an incomplete line (${this.tornBytes} bytes)`);
    return {
      id: info?.id ?? basename(this.dir),
      name: info?.name ?? basename(this.dir),
      dir: this.dir,
      status,
      ...(statusReason ? { statusReason } : {}),
      step: info?.step ?? this.lastStep,
      totalSteps: info?.totalSteps ?? 0,
      epoch: info?.epoch ?? 0,
      ...(info?.stepsPerEpoch ? { epochs: Math.ceil(info.totalSteps / info.stepsPerEpoch) } : {}),
      loss: this.loaded ? this.scalars.last('loss') : this.peekedLoss,
      imagesPerSecond: this.loaded ? this.scalars.last('imagesPerSecond') : this.peekedImagesPerSecond,
      backend: info?.backend ?? '',
      ...(typeof info?.device === 'string' ? { device: info.device } : {}),
      createdAt: info?.createdAt ?? '',
      updatedAt: info?.updatedAt ?? '',
      configHash: info?.configHash ?? '',
      ...(errors.length ? { error: errors.join('; ') } : {}),
      ...(info?.sweep ? { sweep: { id: info.sweep.id, member: info.sweep.member } } : {}),
      ...(this.loaded ? { heldOutAccuracy: this.heldOutAccuracy(), elapsedSeconds: this.elapsedMs / 1000 } : {}),
      ...(this.loaded && eta !== undefined ? { etaSeconds: eta } : {}),
      ...(diverging ? { diverging } : {}),
      ...(this.annotations?.tags.length ? { tags: this.annotations.tags } : {}),
      ...(this.annotations?.note ? { note: this.annotations.note } : {}),
    };
  }
}
