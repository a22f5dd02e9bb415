// The trainer's side of the run directory: run.json by atomic replace, events.jsonl append-only
// (one write per line), attention maps and scalar points appended to binary sidecars.
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { type RunEvent, type RunInfo, runFiles, scalarsLayout } from './format.js';
import { readRunInfo } from './runInfoFile.js';
import { processIdentity } from './trainerProcess.js';
import type { TrainerGuard } from './trainerGuard.js';
import { appendToRunFile, checkRunFiles, openRunFile, truncateRunFile } from './runFileAccess.js';
import { type EventLine, encodeScalarsRecords, hasScalarsRecord, scalarsFileHeader } from './scalarsFile.js';
import { activeDevice } from '../backend/activeDevice.js';

/** The device this process's backend computes on, for run.json (none before a backend starts). */
function deviceField(): Pick<RunInfo, 'device'> {
  const device = activeDevice();
  return device === undefined ? {} : { device };
}

type EventBody = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 't'> : never) : never;

/** Sizes of the append-only files at a checkpoint: a resume cuts them back to these. */
export interface AppendOnlySizes {
  eventsBytes: number;
  attentionBytes: number;
  /** Absent in checkpoints from before scalars.bin; 0 when this run writes none (see dropScalars). */
  scalarsBytes?: number;
}

export class RunWriter {
  info: RunInfo;
  /** Whether scalars.bin is kept up to date (false once an append to it failed). */
  private scalarsOn = true;
  /** events.jsonl's size: where the next line starts (scalars.bin records it). */
  private eventsSize = 0;
  /** Serializes run.json's writes with the heartbeat thread's, once the run's lock is held. */
  guard: TrainerGuard | undefined;

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
  static create(dir: string, fields: Pick<RunInfo, 'id' | 'name' | 'configHash' | 'backend' | 'totalSteps' | 'stepsPerEpoch' | 'sweep'>, configYaml: string): RunWriter {
    mkdirSync(dir, { recursive: false });
    try {
      mkdirSync(join(dir, runFiles.checkpoints));
      writeFileAtomic(join(dir, runFiles.config), configYaml);
      writeFileAtomic(join(dir, runFiles.scalars), scalarsFileHeader());
      const now = new Date().toISOString();
      const w = new RunWriter(dir, { ...fields, ...deviceField(), status: 'running', pid: process.pid, trainerIdentity: processIdentity(process.pid), host: hostname(), step: 0, epoch: 0, createdAt: now, updatedAt: now, heartbeat: now });
      w.writeInfo();
      return w;
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Re-opens a run to resume it, cutting events, attention maps and scalar points back to a
   * checkpoint's; the config it now runs with (overrides applied) replaces config.yaml.
   */
  static reopen(dir: string, sizes: AppendOnlySizes, configYaml: string, guard?: TrainerGuard): RunWriter {
    // Before any write: nothing is written through a link that leads out of the run.
    checkRunFiles(dir);
    writeFileAtomic(join(dir, runFiles.config), configYaml);
    const info = readRunInfo(dir);
    for (const [file, bytes] of [[runFiles.events, sizes.eventsBytes], [runFiles.attention, sizes.attentionBytes]] as const) {
      truncateRunFile(join(dir, file), bytes);
    }
    const w = new RunWriter(dir, { ...info, ...deviceField(), pid: process.pid, trainerIdentity: processIdentity(process.pid), host: hostname(), status: 'running', error: undefined });
    w.guard = guard;
    w.eventsSize = existsSync(join(dir, runFiles.events)) ? statSync(join(dir, runFiles.events)).size : 0;
    w.restoreScalars(sizes.scalarsBytes);
    w.writeInfo();
    return w;
  }

  /**
   * Makes scalars.bin match the (already cut) events.jsonl: cut back to the checkpoint's size when
   * it has that much and is of this version, else (a checkpoint from before scalars.bin, a run that
   * had dropped it, or one written in an older layout, which new records must not follow) written
   * anew from the events, atomically.
   */
  private restoreScalars(scalarsBytes: number | undefined): void {
    const path = join(this.dir, runFiles.scalars);
    try {
      if (scalarsBytes !== undefined && scalarsBytes >= scalarsLayout.headerBytes && existsSync(path) && statSync(path).size >= scalarsBytes && hasCurrentHeader(path)) {
        truncateRunFile(path, scalarsBytes);
        return;
      }
      writeFileAtomic(path, Buffer.concat([scalarsFileHeader(), encodeScalarsRecords(eventLines(join(this.dir, runFiles.events)))]));
    } catch {
      this.dropScalars();
    }
  }

  /**
   * Stops keeping scalars.bin and removes it: without it readers only take the slower JSON path,
   * while one that missed a record would be wrong. events.jsonl, the record, is unaffected.
   */
  private dropScalars(): void {
    this.scalarsOn = false;
    try {
      rmSync(join(this.dir, runFiles.scalars), { force: true });
    } catch {
      // Left behind, it no longer matches events.jsonl in its record count, so readers ignore it.
    }
  }

  update(fields: Partial<RunInfo>): void {
    Object.assign(this.info, fields);
    this.writeInfo();
  }

  private writeInfo(): void {
    const write = (): void => {
      const now = new Date().toISOString();
      this.info.updatedAt = now;
      this.info.heartbeat = now;
      writeFileAtomic(join(this.dir, runFiles.info), `${JSON.stringify(this.info, null, 2)}\n`);
    };
    if (this.guard) this.guard.exclusive(write);
    else write();
  }

  event(e: EventBody): void {
    const event = { t: new Date().toISOString(), ...e } as RunEvent;
    const line = Buffer.from(`${JSON.stringify(event)}\n`);
    try {
      // One write call per line: a crash leaves at most a torn last line, which readers skip.
      appendToRunFile(join(this.dir, runFiles.events), line);
    } catch (error) {
      // Part of the line may be written: where the next one starts is no longer known.
      this.dropScalars();
      throw error;
    }
    const offset = this.eventsSize;
    this.eventsSize += line.length;
    // Its scalar points right after, in one write too: a crash between the two leaves scalars.bin
    // a record short of events.jsonl, which readers detect (and a resume repairs).
    if (this.scalarsOn && hasScalarsRecord(event)) {
      try {
        appendToRunFile(join(this.dir, runFiles.scalars), encodeScalarsRecords([{ event, offset, bytes: line.length }]));
      } catch {
        this.dropScalars();
      }
    }
  }

  log(level: 'info' | 'warn' | 'error', message: string, step?: number): void {
    this.event({ type: 'log', level, message, step });
  }

  /** Appends float32 maps to the sidecar; returns their byte offset. */
  appendAttention(maps: Float32Array): number {
    const fd = openRunFile(join(this.dir, runFiles.attention), 'append');
    try {
      const offset = fstatSync(fd).size;
      writeSync(fd, new Uint8Array(maps.buffer, maps.byteOffset, maps.byteLength));
      return offset;
    } finally {
      closeSync(fd);
    }
  }

  /** scalars.bin's digest, for the status event that ends the run (format.ts); none when the run keeps no scalars.bin. */
  scalarsDigest(): { scalarsSha256?: string } {
    if (!this.scalarsOn) return {};
    try {
      const fd = openRunFile(join(this.dir, runFiles.scalars), 'read');
      try {
        return { scalarsSha256: createHash('sha256').update(readFileSync(fd)).digest('hex') };
      } finally {
        closeSync(fd);
      }
    } catch {
      return {}; // readers then check it against events.jsonl's lines only
    }
  }

  /** Sizes of the append-only files, recorded in each checkpoint for exact resume. */
  appendOnlySizes(): Required<AppendOnlySizes> {
    const size = (f: string): number => (existsSync(join(this.dir, f)) ? statSync(join(this.dir, f)).size : 0);
    return { eventsBytes: size(runFiles.events), attentionBytes: size(runFiles.attention), scalarsBytes: this.scalarsOn ? size(runFiles.scalars) : 0 };
  }

  /** Makes the appended data durable (before a checkpoint points at it). */
  sync(): void {
    for (const f of [runFiles.events, runFiles.attention, runFiles.scalars]) {
      const path = join(this.dir, f);
      if (!existsSync(path)) continue;
      const fd = openRunFile(path, 'read');
      fsyncSync(fd);
      closeSync(fd);
    }
  }
}

/** Whether a scalars.bin starts with this version's header. */
function hasCurrentHeader(path: string): boolean {
  const header = scalarsFileHeader();
  const fd = openRunFile(path, 'read');
  try {
    const got = Buffer.alloc(header.length);
    return readSync(fd, got, 0, got.length, 0) === got.length && got.equals(header);
  } finally {
    closeSync(fd);
  }
}

/** The complete, parseable lines of an events.jsonl with their positions (for writing scalars.bin anew). */
function eventLines(file: string): EventLine[] {
  const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const lines: EventLine[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0) break; // a torn last line has no record
    try {
      const event = JSON.parse(bytes.toString('utf8', start, end)) as RunEvent;
      if (event !== null && typeof event === 'object') lines.push({ event, offset: start, bytes: end + 1 - start });
    } catch {
      // not JSON: no record (readers skip the line too)
    }
    start = end + 1;
  }
  return lines;
}
