// Display downsampling: a series is reduced to the points that can differ on screen, the
// minimum and maximum of each pixel column of the visible step range (plus one neighbour on each
// side so lines run to the edges). What is exported is never reduced: the host writes the CSV.
// A reduced column's two points sit at fixed positions in the column (¼ and ¾ of its width, in
// the order they occur) rather than at their own steps: on screen that is the same pixel, and
// every dense series of every run then shares one step axis, so aligning them costs nothing.

import { lowerBound, upperBound } from '../shared/sortedSearch.js';

export interface XY {
  x: number[];
  y: number[];
}

/** The extremes of values[from, to) as indices (-1 when none): a scan, or a block index. */
export type ExtremesOf = (from: number, to: number) => [number, number];

/**
 * First index in [from, to) with steps[i] >= x (else `to`), searching outward from `from`: a
 * column's end is near its start, so this costs O(log points-per-column), not O(log length).
 */
function gallop(steps: Float64Array, from: number, to: number, x: number): number {
  let lo = from;
  let stride = 1;
  while (lo + stride < to && steps[lo + stride] < x) {
    lo += stride;
    stride *= 2;
  }
  let hi = Math.min(to, lo + stride);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Min and max per pixel column of [xMin, xMax] split into `columns`, in step order. Values that
 * are NaN (or not positive when `positiveOnly`, for log scales) are left out. `extremes` finds a
 * range's extremes faster than a scan (BlockExtremes); it is not used when `positiveOnly`.
 */
export function minMaxColumns(
  steps: Float64Array,
  values: Float32Array,
  length: number,
  xMin: number,
  xMax: number,
  columns: number,
  positiveOnly = false,
  extremes?: ExtremesOf,
): XY {
  const first = lowerBound(steps, length, xMin);
  const last = upperBound(steps, length, xMax);
  const x: number[] = [];
  const y: number[] = [];
  const keep = (v: number) => !Number.isNaN(v) && (!positiveOnly || v > 0);
  const exact = (i: number) => {
    if (i >= 0 && i < length && keep(values[i])) {
      x.push(steps[i]);
      y.push(values[i]);
    }
  };
  // Neighbours just outside the window, at their own steps: lines leave it at the right slope.
  exact(first - 1);
  if (last - first <= 2 * columns || !(xMax > xMin)) {
    for (let i = first; i < last; i++) exact(i);
    exact(last);
    return { x, y };
  }
  const find: ExtremesOf =
    extremes && !positiveOnly
      ? extremes
      : (from, to) => {
          let lo = -1;
          let hi = -1;
          for (let i = from; i < to; i++) {
            const v = values[i];
            if (!keep(v)) continue;
            if (lo < 0 || v < values[lo]) lo = i;
            if (hi < 0 || v > values[hi]) hi = i;
          }
          return [lo, hi];
        };
  const width = (xMax - xMin) / columns;
  let i = first;
  for (let c = 0; c < columns && i < last; c++) {
    const end = c === columns - 1 ? last : gallop(steps, i, last, xMin + (c + 1) * width);
    if (end > i) {
      const [lo, hi] = find(i, end);
      if (lo >= 0) {
        const left = xMin + c * width;
        x.push(left + 0.25 * width, left + 0.75 * width);
        y.push(values[Math.min(lo, hi)], values[Math.max(lo, hi)]);
      }
    }
    i = end;
  }
  exact(last);
  return { x, y };
}

/** The sorted union of two sorted step lists, without duplicates. */
function mergeUnique(a: number[], b: number[]): number[] {
  if (a === b) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

/**
 * Several series on one step axis (the sorted union of their steps), null where a series has no
 * point: the aligned layout uPlot draws. Series sharing one step array (the usual case: one run's
 * keys, or runs logging the same steps) cost no merge.
 */
export function alignSeries(series: XY[]): [number[], ...(number | null)[][]] {
  if (series.length === 0) return [[]];
  const first = series[0].x;
  const same = series.every((s) => s.x.length === first.length && s.x.every((v, i) => v === first[i]));
  if (same) return [first, ...series.map((s) => s.y)];
  // Merge the sorted step lists pairwise (each already sorted): O(N log k), no sort.
  let xs: number[] = series[0].x;
  for (let k = 1; k < series.length; k++) xs = mergeUnique(xs, series[k].x);
  const ys = series.map((s) => {
    const out: (number | null)[] = new Array(xs.length).fill(null);
    let j = 0;
    for (let i = 0; i < s.x.length; i++) {
      while (xs[j] < s.x[i]) j++;
      out[j] = s.y[i];
    }
    return out;
  });
  return [xs, ...ys];
}
