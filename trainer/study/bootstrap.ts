// Percentile bootstrap intervals for the study table (docs/study.md): B resamples drawn with a
// seeded generator, so the same runs give the same interval on every machine and every refresh.
import { Rng } from '../random/rng.js';

export interface BootstrapOptions {
  /** Number of resamples B. */
  resamples: number;
  /** Coverage of the interval, e.g. 0.95: the (1 − level)/2 and (1 + level)/2 percentiles. */
  level: number;
  seed: number;
}

export const defaultBootstrap: BootstrapOptions = { resamples: 1000, level: 0.95, seed: 0 };

export interface Interval {
  lower: number;
  upper: number;
  /** Resamples whose statistic was defined (a resample of tied values has no τ); the percentiles are theirs. */
  defined: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` by linear interpolation between order
 * statistics (Hyndman & Fan's type 7, numpy's and R's default): position h = (m − 1)q.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** A resample of `items` with replacement, the same size. */
export function resample<T>(items: readonly T[], rng: Rng): T[] {
  return Array.from({ length: items.length }, () => items[rng.int(items.length)]);
}

/**
 * The percentile interval of a statistic over B bootstrap replicates; `replicate` draws one
 * resample with the generator it is given and returns the statistic on it. Replicates where the
 * statistic is null (a resample of tied values has no τ) are left out; with fewer than half of them
 * defined the interval is null (it would describe a biased remainder).
 */
export function bootstrapInterval(replicate: (rng: Rng) => number | null, options: BootstrapOptions = defaultBootstrap): Interval | null {
  const rng = new Rng(options.seed);
  const values: number[] = [];
  for (let b = 0; b < options.resamples; b++) {
    const v = replicate(rng);
    if (v !== null) values.push(v);
  }
  if (values.length === 0 || values.length < options.resamples / 2) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - options.level) / 2;
  return { lower: quantile(values, tail), upper: quantile(values, 1 - tail), defined: values.length };
}
