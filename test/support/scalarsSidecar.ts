// scalars.bin as a test sees it: decoded by the trainer's codec, and what it should hold, worked
// out independently from events.jsonl (each line's position, parsed, through scalarsOfEvent).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunEvent, scalarsLayout } from '../../trainer/run/format.js';
import { scalarsOfEvent } from '../../trainer/run/scalarPoints.js';
import { decodeScalarsFile } from '../../trainer/run/scalarsFile.js';

/** Per kind: steps and each key's values (null = no value), plus each record's kind, step and line. */
export interface PlainScalars {
  records: { kind: string; step: number; start: number; end: number }[];
  byKind: Record<string, { steps: number[]; columns: Record<string, (number | null)[]> }>;
}

const plain = (v: number): number | null => (Number.isNaN(v) ? null : v);

export function decodedSidecar(runDir: string): PlainScalars | undefined {
  const file = decodeScalarsFile(readFileSync(join(runDir, 'scalars.bin')));
  if (!file) return undefined;
  const out: PlainScalars = { records: [], byKind: {} };
  for (let i = 0; i < file.records; i++) {
    out.records.push({ kind: scalarsLayout.kinds[file.kinds[i]], step: file.steps[i], start: file.lineStarts[i], end: file.lineEnds[i] });
  }
  for (const [kind, { steps, columns }] of Object.entries(file.byKind)) {
    out.byKind[kind] = { steps: [...steps], columns: Object.fromEntries([...columns].map(([key, column]) => [key, [...column].map(plain)])) };
  }
  return out;
}

export function expectedSidecar(runDir: string): PlainScalars {
  const bytes = readFileSync(join(runDir, 'events.jsonl'));
  const out: PlainScalars = { records: [], byKind: Object.fromEntries(scalarsLayout.kinds.map((k) => [k, { steps: [], columns: {} }])) };
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0) break;
    const event = JSON.parse(bytes.toString('utf8', start, end)) as RunEvent;
    if (event.type === 'scalars' || event.type === 'eval') {
      out.records.push({ kind: event.type, step: event.step, start, end: end + 1 });
      const table = out.byKind[event.type];
      const row = table.steps.length;
      table.steps.push(event.step);
      for (const [key, value] of Object.entries(scalarsOfEvent(event))) {
        table.columns[key] ??= new Array<number | null>(row).fill(null);
        table.columns[key][row] = Math.fround(value);
      }
      for (const column of Object.values(table.columns)) if (column.length === row) column.push(null);
    }
    start = end + 1;
  }
  return out;
}

/** The sidecar without what depends on timing (throughput, and so the lines' lengths). */
export function withoutTiming(s: PlainScalars): unknown {
  return {
    records: s.records.map(({ kind, step }) => ({ kind, step })),
    byKind: Object.fromEntries(Object.entries(s.byKind).map(([kind, t]) => [kind, { steps: t.steps, columns: Object.fromEntries(Object.entries(t.columns).filter(([k]) => k !== 'imagesPerSecond')) }])),
  };
}

/** The keys of scalars.bin's version 1, the layout runs were written in before the training subset's keys. */
const versionOneKeys = ['loss', 'lr', 'imagesPerSecond', 'accuracy', 'srrLoss', 'validation.loss', 'validation.accuracy', 'test.loss', 'test.accuracy'];

/**
 * A whole scalars.bin in version 1's layout (16-byte header, 64-byte records, the 9 keys above),
 * written here byte by byte from events.jsonl, as a trainer from before version 2 wrote it.
 */
export function versionOneFile(runDir: string): Buffer {
  const header = Buffer.alloc(16);
  header.write('CRSC', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(64, 8);
  header.writeUInt32LE(versionOneKeys.length, 12);
  const records: Buffer[] = [];
  const bytes = readFileSync(join(runDir, 'events.jsonl'));
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    if (end < 0) break;
    const event = JSON.parse(bytes.toString('utf8', start, end)) as RunEvent;
    if (event.type === 'scalars' || event.type === 'eval') {
      const r = Buffer.alloc(64);
      r.writeDoubleLE(event.step, 0);
      r.writeDoubleLE(start, 8);
      r.writeUInt32LE(end + 1 - start, 16);
      r.writeUInt32LE(event.type === 'scalars' ? 0 : 1, 20);
      const values: Record<string, number | undefined> =
        event.type === 'scalars' ? { loss: event.loss, lr: event.lr, imagesPerSecond: event.imagesPerSecond, accuracy: event.accuracy, srrLoss: event.srrLoss } : { [`${event.split}.loss`]: event.loss, [`${event.split}.accuracy`]: event.accuracy };
      let present = 0;
      versionOneKeys.forEach((key, slot) => {
        const v = values[key];
        const has = typeof v === 'number' && Number.isFinite(v);
        r.writeFloatLE(has ? v : NaN, 28 + 4 * slot);
        if (has) present |= 1 << slot;
      });
      r.writeUInt32LE(present, 24);
      records.push(r);
    }
    start = end + 1;
  }
  return Buffer.concat([header, ...records]);
}

/** events.jsonl as a trainer from before the training subset wrote it: its eval events without `train` and `examples`. */
export function withoutTrainingSubset(runDir: string): void {
  const file = join(runDir, 'events.jsonl');
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  writeFileSync(file, lines.map((e) => `${JSON.stringify(e.type === 'eval' ? { ...e, train: undefined, examples: undefined } : e)}\n`).join(''));
}
