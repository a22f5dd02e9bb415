// The spectral norm ‖W‖₂ = σ_max(W) of a weight matrix, in float64: the largest eigenvalue of the
// smaller Gram matrix (WᵀW or WWᵀ) by power iteration from a seeded start, stopped when the
// residual ‖Gv − λv‖ ≤ 1e-10·λ (then an eigenvalue of the symmetric G lies within that of λ);
// where it has not converged after maxIterations (two nearly equal top eigenvalues far apart from
// their residual), all eigenvalues by the cyclic Jacobi method instead.
import { Rng } from '../../random/rng.js';
import type { WeightMatrix } from './weightMatrices.js';

const tolerance = 1e-10;
const maxIterations = 5000;

export interface SpectralNorm {
  value: number;
  /** 'power' with its iteration count, or 'jacobi' when power iteration did not converge. */
  method: 'power' | 'jacobi';
  iterations: number;
}

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

export function spectralNorm(m: WeightMatrix, seed = 0): SpectralNorm {
  const { g, k } = gramMatrix(m);
  const rng = new Rng(seed);
  let v = Float64Array.from({ length: k }, () => rng.normal());
  normalizeInPlace(v);
  const w = new Float64Array(k);
  for (let it = 1; it <= maxIterations; it++) {
    multiply(g, k, v, w);
    let lambda = 0;
    for (let i = 0; i < k; i++) lambda += v[i] * w[i];
    if (lambda <= 0) return { value: 0, method: 'power', iterations: it }; // G = 0: W = 0
    let residual = 0;
    for (let i = 0; i < k; i++) residual += (w[i] - lambda * v[i]) ** 2;
    if (Math.sqrt(residual) <= tolerance * lambda) return { value: Math.sqrt(lambda), method: 'power', iterations: it };
    v = Float64Array.from(w);
    normalizeInPlace(v);
  }
  const eig = jacobiEigenvalues(g, k);
  return { value: Math.sqrt(Math.max(0, ...eig)), method: 'jacobi', iterations: maxIterations };
}

function multiply(g: Float64Array, k: number, v: Float64Array, out: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += g[i * k + j] * v[j];
    out[i] = s;
  }
}

function normalizeInPlace(v: Float64Array): void {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
}

/**
 * The eigenvalues of the symmetric k×k matrix `a` (not changed) by cyclic Jacobi rotations
 * (Golub & Van Loan, Algorithm 8.5.3) until the off-diagonal mass is below 1e-12 of the whole (in Frobenius norm).
 */
export function jacobiEigenvalues(a: Float64Array, k: number): number[] {
  const m = Float64Array.from(a);
  let total = 0;
  for (const x of m) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < k; p++) for (let q = p + 1; q < k; q++) off += 2 * m[p * k + q] ** 2;
    if (off <= 1e-24 * total) break;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q];
        if (apq === 0) continue;
        const theta = (m[q * k + q] - m[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          // columns p and q of M J
          const mrp = m[r * k + p];
          const mrq = m[r * k + q];
          m[r * k + p] = c * mrp - s * mrq;
          m[r * k + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < k; r++) {
          // rows p and q of Jᵀ (M J)
          const mpr = m[p * k + r];
          const mqr = m[q * k + r];
          m[p * k + r] = c * mpr - s * mqr;
          m[q * k + r] = s * mpr + c * mqr;
        }
      }
    }
  }
  return Array.from({ length: k }, (_, i) => m[i * k + i]);
}
