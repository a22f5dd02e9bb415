// Overcomplete Dictionary Learning block of CRATE-α, seed 000 eqs. (7)–(11): two proximal steps
// of the non-negative LASSO from A₀ = 0, then decoding with the decoupled dictionary D̂.
import { tf, type Tensor } from '../tf.js';
import { blockConstants } from './architecture.js';
import type { Params } from './params.js';

export interface SparseCodingResult {
  out: Tensor; // [B, N, d]
  code: Tensor; // the sparse code A₂, [B, N, C·d]
}

/** y: [B·N, d] rows (tokens); D and D̂: [d, C·d]. */
export function odl(y: Tensor, p: Params, layer: string): SparseCodingResult {
  const { eta, lambda } = blockConstants;
  const D = p[`${layer}.D`];
  const Dhat = p[`${layer}.D1`] ?? D; // without the decoupled switch, D̂ = D
  // eq. (9) from A₀ = 0: A₁ = ReLU(η yD − ηλ)
  const a1 = tf.relu(tf.matMul(y, D).mul(eta).sub(eta * lambda));
  // eq. (9): A₂ = ReLU(A₁ − η (A₁Dᵀ − y) D − ηλ)
  const residual = tf.matMul(a1, D, false, true).sub(y);
  const a2 = tf.relu(a1.sub(tf.matMul(residual, D).mul(eta)).sub(eta * lambda));
  // eq. (11): ODL = D̂ A₂ (tokens as rows: A₂ D̂ᵀ)
  return { out: tf.matMul(a2, Dhat, false, true), code: a2 };
}
