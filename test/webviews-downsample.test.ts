// The dashboard's display pipeline without a browser (it is plain TypeScript): growing series
// buffers, block extremes and per-pixel-column min/max downsampling, checked against brute force
// on random data, including appends, rewinds (a resumed run re-logging steps) and NaN gaps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockExtremes, blockSize, scan } from '../webviews/dashboard/blockExtremes.js';
import { alignSeries, minMaxColumns } from '../webviews/dashboard/downsample.js';
import { SeriesBuffer } from '../webviews/dashboard/seriesBuffer.js';

function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
}

test('SeriesBuffer grows, keeps step order when a resumed run re-logs steps, and smooths like a debiased EMA', () => {
  const b = new SeriesBuffer();
  const steps = Array.from({ length: 1000 }, (_, i) => i + 1);
  b.append(steps, steps.map((s) => s * 2));
  assert.equal(b.length, 1000);
  assert.equal(b.lastStep, 1000);
  // Resume from step 900: steps 900… replace the old tail.
  b.append([900, 901], [-1, -2]);
  assert.equal(b.length, 901);
  assert.deepEqual([...b.steps.subarray(898, 901)], [899, 900, 901]);
  assert.deepEqual([...b.values.subarray(898, 901)], [1798, -1, -2]);
  // EMA with weight w, debiased by 1 − w^n (the first point is itself).
  const s = new SeriesBuffer();
  s.append([1, 2, 3], [10, 20, 40]);
  const w = 0.5;
  const e1 = (1 - w) * 10;
  const e2 = w * e1 + (1 - w) * 20;
  const e3 = w * e2 + (1 - w) * 40;
  const smoothed = s.display(w);
  assert.deepEqual([...smoothed.subarray(0, 3)].map((v) => +v.toFixed(4)), [10, e2 / (1 - w ** 2), e3 / (1 - w ** 3)].map((v) => +Math.fround(v).toFixed(4)));
  // Appending extends the smoothed copy incrementally: the same as smoothing from scratch.
  s.append([4], [0]);
  const fresh = new SeriesBuffer();
  fresh.append([1, 2, 3, 4], [10, 20, 40, 0]);
  assert.deepEqual([...s.display(w).subarray(0, 4)], [...fresh.display(w).subarray(0, 4)]);
  assert.equal(s.display(0), s.values, 'weight 0 draws the raw values');
  // A whole series in typed arrays (a `scalars` replace) is adopted, then grows on append.
  const t = new SeriesBuffer();
  const st = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  const va = Float32Array.from(st, (x) => x / 2);
  t.append(st, va);
  assert.equal(t.steps, st, 'adopted, not copied');
  t.append([1001, 1002], [7, 8]);
  assert.equal(t.length, 1002);
  assert.deepEqual([...t.values.subarray(998, 1002)], [499.5, 500, 7, 8]);
  assert.deepEqual([...t.extremes(0).extremes(t.values, 0, 1002)].map((i) => t.values[i]), [0.5, 500]);
});

test('BlockExtremes finds the same extremes as a scan, after appends and rewinds', () => {
  const rand = random(7);
  const b = new SeriesBuffer();
  let step = 0;
  for (let round = 0; round < 30; round++) {
    const n = 1 + Math.floor(rand() * 300);
    // Every fifth round re-logs the last 40 steps (a resume); some values are NaN.
    if (round % 5 === 4) step = Math.max(0, step - 40);
    const steps = Array.from({ length: n }, () => ++step);
    b.append(steps, steps.map(() => (rand() < 0.02 ? NaN : rand() * 100 - 50)));
    for (const weight of [0, 0.9]) {
      const index = b.extremes(weight);
      const values = b.display(weight);
      for (let k = 0; k < 20; k++) {
        const from = Math.floor(rand() * b.length);
        const to = from + Math.floor(rand() * (b.length - from + 1));
        const [lo, hi] = index.extremes(values, from, to);
        const [slo, shi] = scan(values, from, to);
        assert.equal(values[lo], values[slo], `min of [${from}, ${to})`);
        assert.equal(values[hi], values[shi], `max of [${from}, ${to})`);
      }
    }
  }
  assert.ok(b.length > 10 * blockSize);
  // A fresh index over a plain array agrees too.
  const plain = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
  const index = new BlockExtremes();
  index.update(plain, plain.length);
  assert.deepEqual(index.extremes(plain, 3, 997), scan(plain, 3, 997));
});

test('minMaxColumns keeps every pixel column’s min and max (with or without the block index) and passes sparse series through', () => {
  const rand = random(11);
  const n = 20_000;
  const steps = Float64Array.from({ length: n }, (_, i) => i * 3 + 1);
  const values = Float32Array.from({ length: n }, () => rand());
  const index = new BlockExtremes();
  index.update(values, n);
  const [xMin, xMax, columns] = [5_000, 41_000, 300];
  const plain = minMaxColumns(steps, values, n, xMin, xMax, columns);
  const fast = minMaxColumns(steps, values, n, xMin, xMax, columns, false, (a, b) => index.extremes(values, a, b));
  assert.deepEqual(fast, plain);
  // Brute force: per column, the min and max of the points whose step falls in it.
  const width = (xMax - xMin) / columns;
  const expected: number[] = [];
  for (let c = 0; c < columns; c++) {
    const inColumn = [...values].filter((_, i) => steps[i] >= xMin + c * width && (c === columns - 1 ? steps[i] <= xMax : steps[i] < xMin + (c + 1) * width));
    if (inColumn.length) expected.push(Math.min(...inColumn), Math.max(...inColumn));
  }
  // Output: the neighbour before the window, two points per column, the neighbour after.
  assert.equal(plain.x.length, expected.length + 2);
  const shown = plain.y.slice(1, -1);
  for (let c = 0; c < shown.length; c += 2) assert.deepEqual([Math.min(shown[c], shown[c + 1]), Math.max(shown[c], shown[c + 1])], [expected[c], expected[c + 1]]);
  assert.deepEqual([plain.x[0], plain.x.at(-1)], [steps[1666], steps[13667]], 'the neighbours just outside the window, at their own steps');
  // Few points (a validation series) pass through at their own steps; log scales drop values ≤ 0.
  const sparse = minMaxColumns(Float64Array.from([10, 20, 30]), Float32Array.from([1, -1, NaN]), 3, 0, 40, 300, true);
  assert.deepEqual(sparse, { x: [10], y: [1] });
});

test('alignSeries puts series on the union of their steps, null where one has no point', () => {
  assert.deepEqual(alignSeries([{ x: [1, 2], y: [5, 6] }, { x: [1, 2], y: [7, 8] }]), [[1, 2], [5, 6], [7, 8]]);
  assert.deepEqual(alignSeries([{ x: [1, 3, 5], y: [1, 3, 5] }, { x: [2, 3], y: [20, 30] }]), [[1, 2, 3, 5], [1, null, 3, 5], [null, 20, 30, null]]);
});
