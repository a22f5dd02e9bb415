// Kendall's τ-b, the rank correlation of the SRR study's tables (Hu, Zou & Xu 2024, following Jiang
// et al. 2020), with ties: (C − D) / √((n₀ − n₁)(n₀ − n₂)), n₀ = n(n−1)/2 pairs, C and D the
// concordant and discordant ones, n₁ and n₂ those tied in x and in y. Knight's O(n log n) counting
// (sort by x then y, count the discordant pairs as the swaps of a merge sort by y), as SciPy does;
// the tests check it against the pair-by-pair definition.

/** τ-b of paired samples, or null where it is undefined: fewer than two pairs, or x or y constant. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError(`kendallTauB: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`kendallTauB: pair ${i} is (${x[i]}, ${y[i]}); the values must be finite`);
  }
  if (n < 2) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const tiedX = tiedPairs(order, (a, b) => x[a] === x[b]);
  const tiedXY = tiedPairs(order, (a, b) => x[a] === x[b] && y[a] === y[b]);
  // Swaps that sort by y the sequence ordered by (x, y): the discordant pairs (pairs tied in x are
  // already in y order and never swap).
  const ys = order.map((i) => y[i]);
  const discordant = mergeSortSwaps(ys, new Array<number>(n), 0, n);
  const tiedY = tiedPairs(ys.map((_, i) => i), (a, b) => ys[a] === ys[b]);
  const n0 = (n * (n - 1)) / 2;
  // C − D = (pairs tied in neither) − 2D; pairs tied in neither = n₀ − n₁ − n₂ + n₁₂.
  const untied = n0 - tiedX - tiedY + tiedXY;
  const denominator = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  if (!(denominator > 0)) return null;
  return (untied - 2 * discordant) / denominator;
}

/** Σ t(t−1)/2 over the runs of consecutive equal elements of a sorted sequence. */
function tiedPairs(sorted: readonly number[], equal: (a: number, b: number) => boolean): number {
  let pairs = 0;
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && equal(sorted[i - 1], sorted[i])) run++;
    else {
      pairs += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return pairs;
}

/** Sorts a[lo, hi) ascending in place; returns the number of strict inversions it removed. */
function mergeSortSwaps(a: number[], scratch: number[], lo: number, hi: number): number {
  if (hi - lo < 2) return 0;
  const mid = (lo + hi) >>> 1;
  let swaps = mergeSortSwaps(a, scratch, lo, mid) + mergeSortSwaps(a, scratch, mid, hi);
  let i = lo;
  let j = mid;
  let k = lo;
  while (i < mid && j < hi) {
    if (a[j] < a[i]) {
      swaps += mid - i; // a[j] jumps every remaining left element, each strictly greater
      scratch[k++] = a[j++];
    } else scratch[k++] = a[i++];
  }
  while (i < mid) scratch[k++] = a[i++];
  while (j < hi) scratch[k++] = a[j++];
  for (let t = lo; t < hi; t++) a[t] = scratch[t];
  return swaps;
}
