// Where a series' minimum and maximum lie, per block of 16 points, so that the extremes of any
// index range cost O(blocks) instead of O(points): a pixel column of 5 runs × 100,000 points
// zoomed to half their steps holds ~80 points per series, read as ~5 block summaries and the
// partial blocks at its ends. Kept up to date as points are appended (only blocks from the first
// changed index are recomputed).

export const blockSize = 16;

export class BlockExtremes {
  private minIdx = new Int32Array(0);
  private maxIdx = new Int32Array(0);
  /** Complete blocks summarised. */
  private blocks = 0;

  /** Values from index `changedFrom` on were rewritten (or appended): resummarise from there. */
  invalidate(changedFrom: number): void {
    this.blocks = Math.min(this.blocks, Math.floor(changedFrom / blockSize));
  }

  update(values: Float32Array, length: number): void {
    const complete = Math.floor(length / blockSize);
    if (complete > this.minIdx.length) {
      const size = Math.max(complete, 2 * this.minIdx.length, 64);
      const minIdx = new Int32Array(size);
      const maxIdx = new Int32Array(size);
      minIdx.set(this.minIdx.subarray(0, this.blocks));
      maxIdx.set(this.maxIdx.subarray(0, this.blocks));
      this.minIdx = minIdx;
      this.maxIdx = maxIdx;
    }
    for (let b = this.blocks; b < complete; b++) {
      const [lo, hi] = scan(values, b * blockSize, (b + 1) * blockSize);
      this.minIdx[b] = lo;
      this.maxIdx[b] = hi;
    }
    this.blocks = complete;
  }

  /** Indices of the minimum and maximum of values[from, to) (NaN skipped), or -1 when none. */
  extremes(values: Float32Array, from: number, to: number): [number, number] {
    const firstBlock = Math.ceil(from / blockSize);
    const lastBlock = Math.min(this.blocks, Math.floor(to / blockSize));
    if (lastBlock - firstBlock < 2) return scan(values, from, to);
    let [lo, hi] = scan(values, from, firstBlock * blockSize);
    for (let b = firstBlock; b < lastBlock; b++) {
      const bl = this.minIdx[b];
      const bh = this.maxIdx[b];
      if (bl < 0) continue;
      if (lo < 0 || values[bl] < values[lo]) lo = bl;
      if (hi < 0 || values[bh] > values[hi]) hi = bh;
    }
    const [tl, th] = scan(values, lastBlock * blockSize, to);
    if (tl >= 0 && (lo < 0 || values[tl] < values[lo])) lo = tl;
    if (th >= 0 && (hi < 0 || values[th] > values[hi])) hi = th;
    return [lo, hi];
  }
}

/** Linear scan for the extremes of values[from, to), NaN skipped; -1 when all are NaN. */
export function scan(values: Float32Array, from: number, to: number): [number, number] {
  let lo = -1;
  let hi = -1;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v !== v) continue; // NaN
    if (lo < 0 || v < values[lo]) lo = i;
    if (hi < 0 || v > values[hi]) hi = i;
  }
  return [lo, hi];
}
