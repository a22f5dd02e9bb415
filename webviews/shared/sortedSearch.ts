// Binary searches in an ascending array of steps (or any x values): the dashboard's display
// downsampling and the charts' keyboard read-out find positions with them.

/** First index with steps[i] >= x in steps[0, length). */
export function lowerBound(steps: ArrayLike<number>, length: number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with steps[i] > x in steps[0, length). */
export function upperBound(steps: ArrayLike<number>, length: number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
