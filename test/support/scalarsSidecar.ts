// scalars.bin as a test sees it: decoded by the trainer's codec, and what it should hold, worked
// out independently from events.jsonl (each line's position, parsed, through scalarsOfEvent).
import { readFileSync } from 'node:fs';
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
