// Loading a finished run without parsing its scalar lines. Parsing 100,000 lines of JSON takes
// 150–200 ms, over the 50 ms a first chart request may take; so the scalar series come from the
// trainer's scalars.bin (typed-array columns), and of events.jsonl only the lines between the ones
// scalars.bin points at are read and parsed: the other events (layers, attention, checkpoints, logs).
//
// scalars.bin is used only when it agrees with events.jsonl: its records' lines and the parsed lines
// between them cover the file's complete lines exactly, in order, none of those parsed has a record
// of its own, and a sample of the records' lines (the first, the last and 30 between) are the
// events the records say (kind and step), and the whole file has the SHA-256 that the run's final
// status event records (when it records one: runs from before it, and unfinished runs, do not).
// Anything else (no file, a torn or unknown one, a record more or less, a value changed, a
// resume's cut seen half-way) gives undefined, and the caller parses every line.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { openRegularFile } from '../../trainer/io/regularFile.js';
import { type RunEvent, runFiles, scalarsLayout } from '../../trainer/run/format.js';
import { decodeScalarsFile, hasScalarsRecord, type ScalarsFile } from '../../trainer/run/scalarsFile.js';
import { ScalarTable } from './scalarTable.js';

export interface FinishedRunBacklog {
  scalars: ScalarTable;
  evals: ScalarTable;
  /** The complete lines without a scalars.bin record (parsed), in order. */
  others: RunEvent[];
  /** Where the complete lines of events.jsonl end. */
  offset: number;
  eventsIno: number;
  /** Complete lines that were not JSON. */
  badLines: number;
  /** The largest step of any event. */
  lastStep: number;
}

const sampledRecords = 32;
const newline = 0x0a;

/** The file's bytes [from, to), or undefined when fewer are there. */
function readRange(fd: number, from: number, to: number): Buffer | undefined {
  const buf = Buffer.allocUnsafe(to - from);
  let n = 0;
  while (n < buf.length) {
    const got = readSync(fd, buf, n, buf.length - n, from + n);
    if (got === 0) return undefined;
    n += got;
  }
  return buf;
}

/** Parses complete lines; false when one of them is an event that should have had a record. */
function parseOthers(buf: Buffer, into: { others: RunEvent[]; badLines: number }): boolean {
  for (let start = 0; start < buf.length; ) {
    const end = buf.indexOf(newline, start);
    const text = buf.toString('utf8', start, end);
    start = end + 1;
    if (text.trim() === '') continue;
    let event: RunEvent;
    try {
      event = JSON.parse(text) as RunEvent;
    } catch {
      into.badLines++;
      continue;
    }
    if (event === null || typeof event !== 'object') continue;
    if (hasScalarsRecord(event)) return false;
    into.others.push(event);
  }
  return true;
}

/** Whether record i's line is the event it says (kind and step). */
function recordMatchesLine(fd: number, file: ScalarsFile, i: number): boolean {
  const line = readRange(fd, file.lineStarts[i], file.lineEnds[i]);
  if (!line || line[line.length - 1] !== newline) return false;
  try {
    const event = JSON.parse(line.toString('utf8', 0, line.length - 1)) as RunEvent;
    return event?.type === scalarsLayout.kinds[file.kinds[i]] && event.step === file.steps[i];
  } catch {
    return false;
  }
}

/**
 * scalars.bin is read into one buffer kept for the next run (the decoder copies what it keeps):
 * loading 100 runs would otherwise leave the allocator with 100 freed 6 MB blocks to reuse or not.
 */
let scratch = new Uint8Array(0);

function readScalarsFile(path: string): Uint8Array {
  const { fd, size } = openRegularFile(path, { noFollow: true });
  try {
    if (scratch.length < size) scratch = new Uint8Array(size);
    const bytes = scratch.subarray(0, size);
    let n = 0;
    while (n < size) {
      const got = readSync(fd, bytes, n, size - n, n);
      if (got === 0) return bytes.subarray(0, n); // shrunk meanwhile: decoded as what is there
      n += got;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** The digest the run's last status event gives scalars.bin, if any (format.ts). */
function endDigest(others: RunEvent[]): string | undefined {
  for (let i = others.length - 1; i >= 0; i--) {
    const e = others[i];
    if (e.type === 'status') return typeof e.scalarsSha256 === 'string' ? e.scalarsSha256 : undefined;
  }
  return undefined;
}

export function loadFinishedRun(dir: string): FinishedRunBacklog | undefined {
  let file: ScalarsFile | undefined;
  let digest: string;
  try {
    const bytes = readScalarsFile(join(dir, runFiles.scalars));
    // Hashed now, before the next run's read reuses the buffer; checked once the status event is parsed.
    digest = createHash('sha256').update(bytes).digest('hex');
    file = decodeScalarsFile(bytes);
  } catch {
    return undefined;
  }
  if (!file) return undefined;
  let fd: number;
  try {
    fd = openSync(join(dir, runFiles.events), 'r');
  } catch {
    return undefined;
  }
  try {
    const { size, ino } = fstatSync(fd);
    const parsed = { others: [] as RunEvent[], badLines: 0 };
    const { records, lineStarts, lineEnds, steps } = file;
    let covered = 0;
    let lastStep = 0;
    let lastScalarsStep = -Infinity;
    for (let i = 0; i < records; i++) {
      // Steps going back (lines of two writers, a missed cut) are left to the JSON path (RunState.ingest).
      if (steps[i] < lastStep || (file.kinds[i] === 0 && steps[i] === lastScalarsStep)) return undefined;
      if (file.kinds[i] === 0) lastScalarsStep = steps[i];
      const start = lineStarts[i];
      if (start !== covered) {
        // Lines without records before this one: complete (a line starts here) and parsed.
        if (start < covered) return undefined;
        const between = readRange(fd, covered, start);
        if (!between || between[between.length - 1] !== newline || !parseOthers(between, parsed)) return undefined;
      }
      covered = lineEnds[i];
      if (steps[i] > lastStep) lastStep = steps[i];
    }
    if (covered > size) return undefined;
    // The lines after the last record: those complete, none with a record missing from the file.
    let offset = covered;
    if (size > covered) {
      const rest = readRange(fd, covered, size);
      const end = rest ? rest.lastIndexOf(newline) : -1;
      if (end >= 0) {
        if (!parseOthers(rest!.subarray(0, end + 1), parsed)) return undefined;
        offset = covered + end + 1;
      }
    }
    for (let s = 0; s < Math.min(records, sampledRecords); s++) {
      const i = records <= sampledRecords ? s : Math.round((s * (records - 1)) / (sampledRecords - 1));
      if (!recordMatchesLine(fd, file, i)) return undefined;
    }
    // A value changed in the file keeps its structure: the digest written at the run's end tells.
    const expected = endDigest(parsed.others);
    if (expected !== undefined && expected !== digest) return undefined;
    for (const e of parsed.others) if (typeof e.step === 'number' && e.step > lastStep) lastStep = e.step;
    return {
      scalars: ScalarTable.of(file.byKind.scalars),
      evals: ScalarTable.of(file.byKind.eval),
      others: parsed.others,
      offset,
      eventsIno: ino,
      badLines: parsed.badLines,
      lastStep,
    };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
