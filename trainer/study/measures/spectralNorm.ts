// The spectral norm ‖W‖₂ = σ_max(W) of a weight matrix, exactly (no iteration to converge): the
// square root of the largest eigenvalue of the smaller Gram matrix G (WWᵀ or WᵀW), in float64.
// G is reduced to a symmetric tridiagonal matrix by Householder reflections (Golub & Van Loan,
// Algorithm 8.3.1; backward stable), whose largest eigenvalue is then found by bisection on
// Sturm counts (the number of negative pivots of T − λI is the number of eigenvalues below λ)
// down to the last bit. O(k³) for k = min(rows, cols): a fraction of a second at k = 384.
import type { WeightMatrix } from './weightMatrices.js';

/** The k×k Gram matrix of the smaller side, k = min(rows, cols), row-major. */
export function gramMatrix(m: WeightMatrix): { g: Float64Array; k: number } {
  const { rows, cols, data } = m;
  const k = Math.min(rows, cols);
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      if (rows <= cols) for (let c = 0; c < cols; c++) s += data[i * cols + c] * data[j * cols + c]; // WWᵀ
      else for (let r = 0; r < rows; r++) s += data[r * cols + i] * data[r * cols + j]; // WᵀW
      g[i * k + j] = s;
      g[j * k + i] = s;
    }
  }
  return { g, k };
}

export function spectralNorm(m: WeightMatrix): number {
  const { g, k } = gramMatrix(m);
  return Math.sqrt(Math.max(0, largestEigenvalue(g, k)));
}

/** The diagonal d and sub-diagonal e of a tridiagonal matrix similar to the symmetric k×k `a` (not changed). */
export function tridiagonalize(a: Float64Array, k: number): { d: Float64Array; e: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(k);
  const p = new Float64Array(k);
  for (let j = 0; j < k - 2; j++) {
    // The reflection H = I − βvvᵀ maps column j below the diagonal, x, to αe₁.
    let norm = 0;
    for (let i = j + 1; i < k; i++) norm += m[i * k + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = m[(j + 1) * k + j];
    const alpha = x0 > 0 ? -norm : norm;
    let vv = 0;
    for (let i = j + 1; i < k; i++) {
      v[i] = m[i * k + j] - (i === j + 1 ? alpha : 0);
      vv += v[i] * v[i];
    }
    if (vv === 0) continue;
    const beta = 2 / vv;
    // The trailing block B ← HBH = B − vwᵀ − wvᵀ, with p = βBv and w = p − (βpᵀv/2)v.
    let pv = 0;
    for (let r = j + 1; r < k; r++) {
      let s = 0;
      for (let c = j + 1; c < k; c++) s += m[r * k + c] * v[c];
      p[r] = beta * s;
      pv += p[r] * v[r];
    }
    const half = (beta * pv) / 2;
    for (let r = j + 1; r < k; r++) p[r] -= half * v[r]; // p is now w
    for (let r = j + 1; r < k; r++) for (let c = j + 1; c < k; c++) m[r * k + c] -= v[r] * p[c] + p[r] * v[c];
    m[(j + 1) * k + j] = alpha;
    m[j * k + j + 1] = alpha;
    for (let i = j + 2; i < k; i++) {
      m[i * k + j] = 0;
      m[j * k + i] = 0;
    }
  }
  const d = Float64Array.from({ length: k }, (_, i) => m[i * k + i]);
  const e = Float64Array.from({ length: Math.max(0, k - 1) }, (_, i) => m[(i + 1) * k + i]);
  return { d, e };
}

/** How many eigenvalues of the tridiagonal (d, e) lie below λ: the negative pivots of T − λI. */
function countBelow(d: Float64Array, e: Float64Array, lambda: number): number {
  let count = 0;
  let q = 1;
  for (let i = 0; i < d.length; i++) {
    q = d[i] - lambda - (i > 0 ? (e[i - 1] * e[i - 1]) / q : 0);
    if (q === 0) q = -Number.MIN_VALUE * 1e10; // a zero pivot: as if λ were a hair larger
    if (q < 0) count++;
  }
  return count;
}

/** The largest eigenvalue of the symmetric k×k matrix `a`. */
export function largestEigenvalue(a: Float64Array, k: number): number {
  if (k === 0) return 0;
  const { d, e } = tridiagonalize(a, k);
  // Gershgorin's bounds hold every eigenvalue.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < k; i++) {
    const radius = (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < k - 1 ? Math.abs(e[i]) : 0);
    lo = Math.min(lo, d[i] - radius);
    hi = Math.max(hi, d[i] + radius);
  }
  if (lo === hi) return lo;
  // Invariant: fewer than k eigenvalues below lo, all k below or at hi.
  for (let it = 0; it < 2100; it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break; // adjacent doubles
    if (countBelow(d, e, mid) < k) lo = mid;
    else hi = mid;
  }
  return lo + (hi - lo) / 2;
}
