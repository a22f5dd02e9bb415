// The trainer's side of the run directory: run.json by atomic replace, events.jsonl append-only
// (one write per line), attention maps appended to a binary sidecar.
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { type RunEvent, type RunInfo, runFiles } from './format.js';

type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 't'> : never) : never;

export class RunWriter {
  info: RunInfo;

  constructor(
    readonly dir: string,
    info: RunInfo,
  ) {
    this.info = info;
  }

  /**
   * A new run directory; fails (EEXIST) if it exists, so two runs never share one. If it cannot
   * be filled (disk full), it is removed again: no half-made run is left for readers to find.
   */
  static create(dir: string, fields: Pick<RunInfo, 'id' | 'name' | 'configHash' | 'backend' | 'totalSteps'>, configYaml: string): RunWriter {
    mkdirSync(dir, { recursive: false });
    try {
      mkdirSync(join(dir, runFiles.checkpoints));
      writeFileAtomic(join(dir, runFiles.config), configYaml);
      const now = new Date().toISOString();
      const w = new RunWriter(dir, { ...fields, status: 'running', pid: process.pid, host: hostname(), step: 0, epoch: 0, createdAt: now, updatedAt: now, heartbeat: now });
      w.writeInfo();
      return w;
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Re-opens a run to resume it, cutting events and attention maps back to a checkpoint's; the
   * config it now runs with (overrides applied) replaces config.yaml.
   */
  static reopen(dir: string, eventsBytes: number, attentionBytes: number, configYaml: string): RunWriter {
    writeFileAtomic(join(dir, runFiles.config), configYaml);
    const info = JSON.parse(readFileSync(join(dir, runFiles.info), 'utf8')) as RunInfo;
    for (const [file, bytes] of [[runFiles.events, eventsBytes], [runFiles.attention, attentionBytes]] as const) {
      const path = join(dir, file);
      if (existsSync(path) && statSync(path).size > bytes) truncateSync(path, bytes);
    }
    const w = new RunWriter(dir, { ...info, pid: process.pid, host: hostname(), status: 'running', error: undefined });
    w.writeInfo();
    return w;
  }

  update(fields: Partial<RunInfo>): void {
    Object.assign(this.info, fields);
    this.writeInfo();
  }

  private writeInfo(): void {
    const now = new Date().toISOString();
    this.info.updatedAt = now;
    this.info.heartbeat = now;
    writeFileAtomic(join(this.dir, runFiles.info), `${JSON.stringify(this.info, null, 2)}\n`);
  }

  /** Best effort: a beat missed (disk momentarily full) is retried by the next one or the next step's update. */
  heartbeat(): void {
    try {
      this.writeInfo();
    } catch {
      // run.json keeps its previous, complete content (atomic replace).
    }
  }

  event(e: EventBody): void {
    // One write call per line: a crash leaves at most a torn last line, which readers skip.
    appendFileSync(join(this.dir, runFiles.events), `${JSON.stringify({ t: new Date().toISOString(), ...e })}\n`);
  }

  log(level: 'info' | 'warn' | 'error', message: string, step?: number): void {
    this.event({ type: 'log', level, message, step });
  }

  /** Appends float32 maps to the sidecar; returns their byte offset. */
  appendAttention(maps: Float32Array): number {
    const path = join(this.dir, runFiles.attention);
    const fd = openSync(path, 'a');
    try {
      const offset = statSync(path).size;
      writeSync(fd, new Uint8Array(maps.buffer, maps.byteOffset, maps.byteLength));
      return offset;
    } finally {
      closeSync(fd);
    }
  }

  /** Sizes of the append-only files, recorded in each checkpoint for exact resume. */
  appendOnlySizes(): { eventsBytes: number; attentionBytes: number } {
    const size = (f: string): number => (existsSync(join(this.dir, f)) ? statSync(join(this.dir, f)).size : 0);
    return { eventsBytes: size(runFiles.events), attentionBytes: size(runFiles.attention) };
  }

  /** Makes the appended data durable (before a checkpoint points at it). */
  sync(): void {
    for (const f of [runFiles.events, runFiles.attention]) {
      const path = join(this.dir, f);
      if (!existsSync(path)) continue;
      const fd = openSync(path, 'r');
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}
