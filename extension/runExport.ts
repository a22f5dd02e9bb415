// "Export Run": every scalar series at full fidelity as one CSV (a `step` column and one column
// per series, empty where a series has no point at that step), and chart PNGs made by the panels.
import type { GetScalarsResult } from '../protocol/runData.js';

/** Shortest decimal that reads back as the same float32 (the server keeps values as float32). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let digits = 1; digits <= 9; digits++) {
    const s = v.toPrecision(digits);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function scalarsCsv(r: GetScalarsResult): string {
  const keys = Object.keys(r.series).sort();
  const rows = new Map<number, (string | undefined)[]>();
  keys.forEach((key, column) => {
    const s = r.series[key];
    for (let i = 0; i < s.step.length; i++) {
      let row = rows.get(s.step[i]);
      if (!row) rows.set(s.step[i], (row = new Array<string | undefined>(keys.length)));
      row[column] = float32Text(s.value[i]);
    }
  });
  const lines = [['step', ...keys].map(csvField).join(',')];
  for (const step of [...rows.keys()].sort((a, b) => a - b)) lines.push([String(step), ...Array.from(rows.get(step)!, (v) => v ?? '')].join(','));
  return `${lines.join('\n')}\n`;
}

export function pngBytes(dataUrl: string): Uint8Array {
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
}
