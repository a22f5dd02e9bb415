// The norm-based measures of Jiang et al. 2020 (Appendix C; docs/models.md) over the weight
// matrices W_1 … W_L (weightMatrices.ts), with their squared norms as the paper writes them:
//   ℓ2 (eq. (42), "param_norm"):         Σ_i ‖W_i‖_F²
//   sum-of-spec:                         Σ_i ‖W_i‖₂²
//   prod-of-spec (eq. (32), in logs):    log Π_i ‖W_i‖₂² = Σ_i log ‖W_i‖₂²
// Jiang et al.'s sum-of-spec (eq. (35)) is L·(Π_i ‖W_i‖₂²)^{1/L}, the smallest Σ‖W_i‖₂² over the
// rescalings a ReLU network admits; LayerNorm rules those out here, and at a fixed depth that form
// would rank runs exactly as prod-of-spec, so the sum is taken as written.
import { spectralNorm } from './spectralNorm.js';
import type { WeightMatrix } from './weightMatrices.js';

export interface MatrixNorms {
  name: string;
  rows: number;
  cols: number;
  frobeniusSquared: number;
  spectral: number;
}

export interface NormMeasures {
  l2: number;
  sumOfSpec: number;
  logProdOfSpec: number;
  matrices: MatrixNorms[];
}

export function matrixNorms(m: WeightMatrix): MatrixNorms {
  let fro = 0;
  for (const x of m.data) fro += x * x;
  return { name: m.name, rows: m.rows, cols: m.cols, frobeniusSquared: fro, spectral: spectralNorm(m) };
}

export function normMeasures(matrices: readonly WeightMatrix[]): NormMeasures {
  const norms = matrices.map(matrixNorms);
  return {
    l2: norms.reduce((a, n) => a + n.frobeniusSquared, 0),
    sumOfSpec: norms.reduce((a, n) => a + n.spectral ** 2, 0),
    logProdOfSpec: norms.reduce((a, n) => a + Math.log(n.spectral ** 2), 0),
    matrices: norms,
  };
}
