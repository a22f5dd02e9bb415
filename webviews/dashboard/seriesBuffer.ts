// One scalar series of one run, growing as a live run logs points. Appends are amortised O(1)
// (typed arrays doubled when full, no per-point objects), so a run streaming for hours does not
// churn the garbage collector; the EMA-smoothed copy and the block extremes used by
// downsampling are extended incrementally too.
import { BlockExtremes } from './blockExtremes.js';

function isIncreasing(steps: Float64Array, n: number): boolean {
  for (let i = 1; i < n; i++) if (!(steps[i] > steps[i - 1])) return false;
  return true;
}

export class SeriesBuffer {
  steps: Float64Array = new Float64Array(256);
  values: Float32Array = new Float32Array(256);
  length = 0;
  /** Bumped on every change, so display caches know when to recompute. */
  version = 0;
  private readonly rawExtremes = new BlockExtremes();
  private readonly smoothedExtremes = new BlockExtremes();
  private smoothed: Float32Array = new Float32Array(0);
  private smoothedLength = 0;
  private smoothedWeight = -1;
  private ema = 0;
  private emaCount = 0;

  clear(): void {
    this.rawExtremes.invalidate(0);
    this.smoothedExtremes.invalidate(0);
    this.length = 0;
    this.smoothedLength = 0;
    this.ema = 0;
    this.emaCount = 0;
    this.version++;
  }

  append(steps: ArrayLike<number>, values: ArrayLike<number>): void {
    const n = Math.min(steps.length, values.length);
    if (n === 0) return;
    if (this.length === 0 && steps instanceof Float64Array && values instanceof Float32Array && steps.length === n && values.length === n && n > this.steps.length && isIncreasing(steps, n)) {
      // A whole series arriving at once (replace): its arrays were cloned for this page by
      // postMessage, so adopt them rather than copy them; the first append grows them.
      this.steps = steps;
      this.values = values;
      this.length = n;
      this.rawExtremes.invalidate(0);
      this.smoothedLength = 0;
      this.version++;
      return;
    }
    this.reserve(this.length + n);
    let at = this.length;
    let lowest = at;
    for (let i = 0; i < n; i++) {
      // A resumed run may re-log steps it already had: keep step order by dropping older tails.
      const s = steps[i];
      while (at > 0 && this.steps[at - 1] >= s) at--;
      if (at < lowest) lowest = at;
      this.steps[at] = s;
      this.values[at] = values[i];
      at++;
    }
    if (lowest < this.smoothedLength) this.smoothedLength = 0; // rewound: resmooth
    this.rawExtremes.invalidate(lowest);
    this.length = at;
    this.version++;
  }

  get firstStep(): number {
    return this.length > 0 ? this.steps[0] : NaN;
  }

  get lastStep(): number {
    return this.length > 0 ? this.steps[this.length - 1] : NaN;
  }

  /**
   * The values to draw: raw for weight 0, else the debiased exponential moving average
   * (TensorBoard's smoothing: the first points are not pulled towards 0).
   */
  display(weight: number): Float32Array {
    if (weight <= 0) return this.values;
    if (weight !== this.smoothedWeight) {
      this.smoothedWeight = weight;
      this.smoothedLength = 0;
    }
    if (this.smoothedLength === 0) {
      this.ema = 0;
      this.emaCount = 0;
    }
    this.smoothedExtremes.invalidate(this.smoothedLength);
    if (this.smoothed.length < this.values.length) {
      const grown = new Float32Array(this.values.length);
      grown.set(this.smoothed.subarray(0, this.smoothedLength));
      this.smoothed = grown;
    }
    for (let i = this.smoothedLength; i < this.length; i++) {
      const v = this.values[i];
      if (Number.isNaN(v)) {
        this.smoothed[i] = NaN;
        continue;
      }
      this.ema = this.ema * weight + (1 - weight) * v;
      this.emaCount++;
      this.smoothed[i] = this.ema / (1 - Math.pow(weight, this.emaCount));
    }
    this.smoothedLength = this.length;
    return this.smoothed;
  }

  /** Block extremes of display(weight), up to date. */
  extremes(weight: number): BlockExtremes {
    const values = this.display(weight);
    const index = weight <= 0 ? this.rawExtremes : this.smoothedExtremes;
    index.update(values, this.length);
    return index;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.steps.length) return;
    let size = this.steps.length;
    while (size < capacity) size *= 2;
    const steps = new Float64Array(size);
    steps.set(this.steps.subarray(0, this.length));
    const values = new Float32Array(size);
    values.set(this.values.subarray(0, this.length));
    this.steps = steps;
    this.values = values;
  }
}
