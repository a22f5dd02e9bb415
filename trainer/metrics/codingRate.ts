// The coding rates of docs/models.md for one image, in float64, on the smaller of the two Gram
// matrices (logdet(I + α AᵀA) = logdet(I + α AAᵀ)).
import { logdetSpd } from './cholesky.js';

/**
 * ½ logdet(I + α AᵀA) for A = the p×N matrix whose columns are the N token rows of `rows`
 * (N×width, row-major) projected by `proj` (p×width, row-major; omitted = identity).
 */
function halfLogdetOfProjection(rows: Float32Array, n: number, width: number, alpha: number, proj?: Float64Array, p = width): number {
  // A's columns: a_t = proj · z_t, stored as N rows of length p.
  const a = new Float64Array(n * p);
  for (let t = 0; t < n; t++) {
    for (let r = 0; r < p; r++) {
      let s = 0;
      if (proj) for (let c = 0; c < width; c++) s += proj[r * width + c] * rows[t * width + c];
      else s = rows[t * width + r];
      a[t * p + r] = s;
    }
  }
  const m = Math.min(n, p);
  const g = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      if (n <= p) for (let r = 0; r < p; r++) s += a[i * p + r] * a[j * p + r]; // tokens' Gram, N×N
      else for (let t = 0; t < n; t++) s += a[t * p + i] * a[t * p + j]; // features' Gram, p×p
      const v = alpha * s + (i === j ? 1 : 0);
      g[i * m + j] = v;
      g[j * m + i] = v;
    }
  }
  return 0.5 * logdetSpd(g, m);
}

/** R(Z) = ½ logdet(I + d/(Nε²) ZᵀZ), Z given as N token rows of width d. */
export function codingRate(z: Float32Array, n: number, d: number, eps: number): number {
  return halfLogdetOfProjection(z, n, d, d / (n * eps * eps));
}

/** Rc(Z|U) = Σ_k ½ logdet(I + p/(Nε²) (U_kᵀZ)ᵀ(U_kᵀZ)), with U_kᵀ = rows kp…(k+1)p−1 of `subspaces` (K·p × d). */
export function compressionRate(z: Float32Array, n: number, d: number, subspaces: Float32Array, heads: number, eps: number): number {
  const p = d / heads;
  let sum = 0;
  for (let k = 0; k < heads; k++) {
    const uk = Float64Array.from(subspaces.subarray(k * p * d, (k + 1) * p * d));
    sum += halfLogdetOfProjection(z, n, d, p / (n * eps * eps), uk, p);
  }
  return sum;
}
