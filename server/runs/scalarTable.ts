// A run's scalar series in memory: growing typed arrays (one int32 step column shared by float32
// value columns, trimmed after a backlog is read), so 100 loaded runs × 100k steps × 3 scalars
// take ~160 MB.
import type { ScalarsColumns } from '../../trainer/run/scalarsFile.js';

/** Rows of (step, value per column); a column missing in a row holds NaN (arrays start NaN-filled). */
export class ScalarTable {
  length = 0;
  steps = new Int32Array(64);
  readonly columns = new Map<string, Float32Array>();

  /** A table of decoded scalars.bin rows, taking over their columns (no copy of the values). */
  static of({ steps, columns }: ScalarsColumns): ScalarTable {
    const table = new ScalarTable();
    table.length = steps.length;
    // Capacity ≥ 1, as trim() leaves it, so that append() can grow by a factor.
    table.steps = new Int32Array(Math.max(1, steps.length));
    table.steps.set(steps);
    // Each decoded column has a value in some row, so it is as long as the steps: the capacity.
    for (const [key, column] of columns) table.columns.set(key, column);
    return table;
  }

  /** Drops the rows of step `step` and later (events.jsonl went back to before them). */
  dropFrom(step: number): void {
    const row = this.firstAfter(step - 1);
    for (const column of this.columns.values()) column.fill(NaN, row, this.length);
    this.length = row;
  }

  append(step: number, values: Record<string, number>): void {
    if (this.length === this.steps.length) this.grow();
    const row = this.length++;
    this.steps[row] = step;
    for (const [key, v] of Object.entries(values)) {
      let column = this.columns.get(key);
      if (!column) {
        column = new Float32Array(this.steps.length).fill(NaN);
        this.columns.set(key, column);
      }
      column[row] = v;
    }
  }

  private grow(): void {
    this.resize(Math.ceil(this.steps.length * 1.5));
  }

  private resize(capacity: number): void {
    const steps = new Int32Array(capacity);
    steps.set(this.steps);
    this.steps = steps;
    for (const [key, column] of this.columns) {
      const grown = new Float32Array(capacity).fill(NaN);
      grown.set(column);
      this.columns.set(key, grown);
    }
  }

  /** Makes room for `rows` rows in all, at once (a backlog's size is known from its bytes). */
  reserve(rows: number): void {
    if (rows > this.steps.length) this.resize(rows);
  }

  /** Drops the spare capacity (after a backlog is read: finished runs rarely grow again). */
  trim(): void {
    if (this.steps.length === this.length) return;
    this.steps = this.steps.slice(0, Math.max(1, this.length));
    for (const [key, column] of this.columns) this.columns.set(key, column.slice(0, Math.max(1, this.length)));
  }

  /** The first row whose step is > since (steps are non-decreasing). */
  firstAfter(since: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.steps[mid] <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  last(key: string): number | null {
    const column = this.columns.get(key);
    if (!column) return null;
    for (let i = this.length - 1; i >= 0; i--) if (!Number.isNaN(column[i])) return column[i];
    return null;
  }
}
