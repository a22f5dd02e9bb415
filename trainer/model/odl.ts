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

/**
 * The same as one kernel each way (backend/nativeOdl.ts, native/odl.c). Its gradient is a custom
 * one rather than one registered for the kernel: tfjs would give each of the kernel's other outputs
 * (the code, and A₁ and R kept for the gradient) a dy of zeros built in host memory and copied in,
 * ≈ 1.4 s of a d-384 training step. The code leaves beside the value, outside the gradient: nothing
 * differentiates it (it is read by the introspection metrics).
 */
function fusedOdl(y: Tensor, D: Tensor, Dhat: Tensor): [Tensor, Tensor] {
  const { eta, lambda } = blockConstants;
  let code: Tensor | undefined;
  const block = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
    const [y, D, Dhat, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
    const [out, a2, a1, r] = runFusedKernel(fusedKernels.odl, { y, D, Dhat }, { eta, lambda });
    save([y, D, Dhat, a1, r, a2]);
    code = tf.keep(a2); // past customGrad's scope, which disposes all but the value
    const gradFunc = (dy: Tensor, saved: Tensor[]) => {
      const [y, D, Dhat, a1, r, a2] = saved;
      return runFusedKernel(fusedKernels.odlGrad, { dy, y, D, Dhat, a1, r, a2 }, { eta });
    };
    return { value: out, gradFunc };
  });
  const out = block(y, D, Dhat);
  // Handed to the caller's scope (a clone shares the data: backend/sharedIdentity.ts), tied to y so
  // that a loss through the code reaches this gradient and fails loudly instead of reading zero.
  const a2 = undifferentiableCode(code!, y);
  code!.dispose();
  return [out, a2];
}

const undifferentiableCode = tf.customGrad((...args: (Tensor | tf.GradSaveFunc)[]) => {
  const [code] = args as [Tensor, Tensor];
  const gradFunc = (): Tensor[] => {
    throw new Error('the fused ODL block gives its code no gradient (model/odl.ts): differentiate the composed block instead');
  };
  return { value: tf.clone(code), gradFunc };
}) as (code: Tensor, y: Tensor) => Tensor;
