// Overcomplete Dictionary Learning block of CRATE-α (Yang et al. 2024, "Scaling White-Box
// Transformers for Vision"), eqs. (7)–(11): two proximal gradient steps on the non-negative LASSO
// (7) from A₀ = 0, then decoding with the decoupled dictionary D̂. Tokens are rows here, so Z is
// [B·N, d] and the paper's DA reads A Dᵀ. While training, dropout follows the block's output, as
// in the official code (the table layerBlocks).
import { tf, type Tensor } from '../tf.js';
import { blockConstants } from './architecture.js';
import { type Drop, noDrop } from './dropout.js';
import { fusedKernels, hasFusedKernel, runFusedKernel } from './fusedBlock.js';
import type { Params } from './params.js';

export interface SparseCodingResult {
  out: Tensor; // [B, N, d]
  code: Tensor; // the sparse code A₂, [B, N, C·d]
}

/**
 * eq. (9): Prox_{η,λ}[A; D, Z] = ReLU(A − η Dᵀ(DA − Z) − ηλ1). From A = undefined (A₀ = 0) the
 * step is ReLU(η DᵀZ − ηλ1), with no product by zeros (the official code skips it too).
 */
function prox(a: Tensor | undefined, D: Tensor, z: Tensor): Tensor {
  const { eta, lambda } = blockConstants;
  const descended = a === undefined ? tf.matMul(z, D).mul(eta) : a.sub(tf.matMul(tf.matMul(a, D, false, true).sub(z), D).mul(eta));
  return tf.relu(descended.sub(eta * lambda));
}

/** y: [B·N, d] rows (tokens); D and D̂: [d, C·d]. */
export function odl(y: Tensor, p: Params, layer: string, drop: Drop = noDrop): SparseCodingResult {
  const D = p[`${layer}.D`];
  const Dhat = p[`${layer}.D1`] ?? D; // without the decoupled switch, D̂ = D
  const [decoded, a2] = hasFusedKernel(fusedKernels.odl) ? fusedOdl(y, D, Dhat) : composedOdl(y, D, Dhat);
  return { out: drop(decoded, 'sparse-coding-output'), code: a2 };
}

/** The block's equations as tfjs ops: [A₂ D̂ᵀ, A₂]. */
function composedOdl(y: Tensor, D: Tensor, Dhat: Tensor): [Tensor, Tensor] {
  // eq. (8): A₁ = Prox[A₀ = 0], A₂ = Prox[A₁]
  const a2 = prox(prox(undefined, D, y), D, y);
  // eqs. (10)–(11): ODL = D̂ A₂ (tokens as rows: A₂ D̂ᵀ)
  return [tf.matMul(a2, Dhat, false, true), a2];
}

/** The same as one kernel (backend/nativeOdl.ts, native/odl.c); its other outputs are for its gradient. */
function fusedOdl(y: Tensor, D: Tensor, Dhat: Tensor): [Tensor, Tensor] {
  const [out, a2, a1, r] = runFusedKernel(fusedKernels.odl, { y, D, Dhat }, { eta: blockConstants.eta, lambda: blockConstants.lambda });
  tf.dispose([a1, r]);
  return [out, a2];
}
