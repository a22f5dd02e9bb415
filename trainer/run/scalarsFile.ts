// Encoder and decoder of scalars.bin (layout: scalarsLayout in format.ts). The trainer's writer and
// the server benchmark's synthetic runs encode with it, the server decodes with it: one codec.
// No tfjs, and no JSON on the read side, which is the point of the file. The decoder is written as
// plain loops over typed arrays: it runs once per run, cold, where every operation per record counts.
import { type RunEvent, scalarsLayout } from './format.js';
import { scalarsOfEvent } from './scalarPoints.js';

const { magic, version, headerBytes, recordBytes, kinds, keys, keysOfVersion } = scalarsLayout;
const valuesAt = 28;
const keySlot = new Map<string, number>(keys.map((k, i) => [k, i]));

export type ScalarsEvent = Extract<RunEvent, { type: (typeof kinds)[number] }>;
export type ScalarsKind = (typeof kinds)[number];

/** Whether an event has a record in scalars.bin. */
export function hasScalarsRecord(e: RunEvent): e is ScalarsEvent {
  return (kinds as readonly string[]).includes(e.type);
}

export function scalarsFileHeader(): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.write(magic, 0, 'latin1');
  header.writeUInt32LE(version, 4);
  header.writeUInt32LE(recordBytes, 8);
  header.writeUInt32LE(keys.length, 12);
  return header;
}

/** An event and where its line lies in events.jsonl. */
export interface EventLine {
  event: RunEvent;
  offset: number;
  /** The line's length in bytes, its newline included. */
  bytes: number;
}

/**
 * The records of those events that carry scalars (the others have none), in order. Throws on a
 * key the layout has no slot for: a record that silently dropped a value would be a wrong one.
 */
export function encodeScalarsRecords(lines: readonly EventLine[]): Buffer {
  const carrying = lines.filter((l) => hasScalarsRecord(l.event));
  const out = Buffer.alloc(carrying.length * recordBytes);
  carrying.forEach(({ event, offset, bytes }, i) => {
    const at = i * recordBytes;
    out.writeDoubleLE(event.step!, at);
    out.writeDoubleLE(offset, at + 8);
    out.writeUInt32LE(bytes, at + 16);
    out.writeUInt32LE(kinds.indexOf(event.type as ScalarsKind), at + 20);
    let present = 0;
    for (let k = 0; k < keys.length; k++) out.writeFloatLE(NaN, at + valuesAt + 4 * k);
    for (const [key, value] of Object.entries(scalarsOfEvent(event))) {
      const slot = keySlot.get(key);
      if (slot === undefined) throw new Error(`scalars.bin has no slot for the key ${key}`);
      // JSON writes a non-finite number as null, which gives no point: the same here.
      if (!Number.isFinite(value)) continue;
      out.writeFloatLE(value, at + valuesAt + 4 * slot);
      present |= 1 << slot;
    }
    out.writeUInt32LE(present, at + 24);
  });
  return out;
}

/** The rows of one kind: steps and, for each key with at least one value, a column (NaN = none). */
export interface ScalarsColumns {
  steps: Float64Array;
  columns: Map<string, Float32Array>;
}

export interface ScalarsFile {
  records: number;
  /** Per record, in file order: its kind (index in scalarsLayout.kinds) and step, and where its line starts and ends in events.jsonl. */
  kinds: Uint8Array;
  steps: Float64Array;
  lineStarts: Float64Array;
  lineEnds: Float64Array;
  byKind: Record<ScalarsKind, ScalarsColumns>;
}

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes a whole scalars.bin, of this version or an older one; undefined when it is not one this
 * code can take: another magic, an unknown version or a record size not its own, a torn last
 * record (a crash mid-append), an unknown kind, or a
 * big-endian host (the records are read through typed-array views, which use the host's order).
 */
export function decodeScalarsFile(bytes: Uint8Array): ScalarsFile | undefined {
  if (!littleEndianHost || bytes.length < headerBytes) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (Buffer.from(bytes.buffer, bytes.byteOffset, 4).toString('latin1') !== magic) return undefined;
  // An older version's records hold the first of today's keys (keys are only appended).
  const keyCount = keysOfVersion[view.getUint32(4, true)];
  if (keyCount === undefined || view.getUint32(12, true) !== keyCount) return undefined;
  const fileRecordBytes = view.getUint32(8, true);
  if (fileRecordBytes !== valuesAt + 4 * keyCount) return undefined;
  const fileKeys = keys.slice(0, keyCount);
  const payload = bytes.length - headerBytes;
  if (payload % fileRecordBytes !== 0) return undefined;
  const records = payload / fileRecordBytes;
  // Float64Array views need 8-byte alignment; a pooled Buffer may not have it.
  const aligned = (bytes.byteOffset + headerBytes) % 8 === 0 ? bytes : new Uint8Array(bytes);
  const base = aligned.byteOffset + headerBytes;
  const f64 = new Float64Array(aligned.buffer, base, (records * fileRecordBytes) / 8);
  const u32 = new Uint32Array(aligned.buffer, base, (records * fileRecordBytes) / 4);
  const f32 = new Float32Array(aligned.buffer, base, (records * fileRecordBytes) / 4);
  const s64 = fileRecordBytes / 8;
  const s32 = fileRecordBytes / 4;

  // One pass over the records for what is per record and which records each kind has; then one
  // tight loop per kind and key that has a value in any of its records.
  const kindOf = new Uint8Array(records);
  const steps = new Float64Array(records);
  const lineStarts = new Float64Array(records);
  const lineEnds = new Float64Array(records);
  const counts = new Uint32Array(kinds.length);
  const present = new Uint32Array(kinds.length);
  const rowsOf = kinds.map(() => new Uint32Array(records));
  for (let i = 0; i < records; i++) {
    const kind = u32[i * s32 + 5];
    if (kind >= kinds.length) return undefined;
    kindOf[i] = kind;
    rowsOf[kind][counts[kind]++] = i;
    present[kind] |= u32[i * s32 + 6];
    steps[i] = f64[i * s64];
    lineStarts[i] = f64[i * s64 + 1];
    lineEnds[i] = lineStarts[i] + u32[i * s32 + 4];
  }
  const byKind = {} as Record<ScalarsKind, ScalarsColumns>;
  kinds.forEach((kind, k) => {
    const rows = rowsOf[k].subarray(0, counts[k]);
    const kindSteps = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) kindSteps[r] = steps[rows[r]];
    const columns = new Map<string, Float32Array>();
    fileKeys.forEach((key, slot) => {
      if ((present[k] & (1 << slot)) === 0) return; // no value in any row: no series (as scalarsOfEvent gives none)
      const column = new Float32Array(rows.length);
      const at = valuesAt / 4 + slot;
      for (let r = 0; r < rows.length; r++) column[r] = f32[rows[r] * s32 + at];
      columns.set(key, column);
    });
    byKind[kind] = { steps: kindSteps, columns };
  });
  return { records, kinds: kindOf, steps, lineStarts, lineEnds, byKind };
}
