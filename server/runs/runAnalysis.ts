// Pure functions of the run manager, unit-tested directly: downsampling that keeps extremes,
// config diffing, and aligning several runs' series on one axis.
// No Node APIs.
import { flatten } from '../../trainer/config/dottedPaths.js';

export interface Points {
  step: ArrayLike<number>;
  value: ArrayLike<number>;
}

/**
 * At most `maxPoints` points of the series (indices [from, to)): the range is cut into
 * ⌊maxPoints/2⌋ buckets of consecutive points and each bucket contributes its minimum and its
 * maximum, in step order (one point when they coincide). NaN values are skipped; maxPoints < 2
 * counts as 2. The global
 * minimum and maximum therefore always survive. Fewer points than maxPoints are returned as they are.
 */
export function downsampleMinMax(series: Points, maxPoints: number, from = 0, to = series.step.length): { step: number[]; value: number[] } {
  const step: number[] = [];
  const value: number[] = [];
  const n = to - from;
  const limit = Math.max(2, Math.floor(maxPoints));
  if (!Number.isFinite(maxPoints) || n <= limit) {
    for (let i = from; i < to; i++) {
      if (Number.isNaN(series.value[i])) continue;
      step.push(series.step[i]);
      value.push(series.value[i]);
    }
    return { step, value };
  }
  const buckets = Math.floor(limit / 2);
  for (let b = 0; b < buckets; b++) {
    const lo = from + Math.floor((b * n) / buckets);
    const hi = from + Math.floor(((b + 1) * n) / buckets);
    let iMin = -1;
    let iMax = -1;
    for (let i = lo; i < hi; i++) {
      const v = series.value[i];
      if (Number.isNaN(v)) continue;
      if (iMin < 0 || v < series.value[iMin]) iMin = i;
      if (iMax < 0 || v > series.value[iMax]) iMax = i;
    }
    if (iMin < 0) continue;
    for (const i of iMin === iMax ? [iMin] : [Math.min(iMin, iMax), Math.max(iMin, iMax)]) {
      step.push(series.step[i]);
      value.push(series.value[i]);
    }
  }
  return { step, value };
}

/** The dotted paths whose values differ between the configs (absent = null), sorted by path. */
export function configDiff(configs: readonly unknown[]): { path: string; values: unknown[] }[] {
  const flat = configs.map((c) => flatten(c));
  const paths = new Set<string>();
  for (const f of flat) for (const k of f.keys()) paths.add(k);
  const diff: { path: string; values: unknown[] }[] = [];
  for (const path of [...paths].sort()) {
    const values = flat.map((f) => (f.has(path) ? f.get(path) : null));
    const first = JSON.stringify(values[0]);
    if (values.some((v) => JSON.stringify(v) !== first)) diff.push({ path, values });
  }
  return diff;
}

/** Several runs' series on the union of their steps, null where a run has no point. */
export function alignSeries(series: readonly { step: number[]; value: number[] }[]): { step: number[]; values: (number | null)[][] } {
  const steps = [...new Set(series.flatMap((s) => s.step))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const values = series.map((s) => {
    const row: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    for (let i = 0; i < s.step.length; i++) row[index.get(s.step[i])!] = s.value[i];
    return row;
  });
  return { step: steps, values };
}
