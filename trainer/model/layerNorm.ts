import { tf, type Tensor } from '../tf.js';
import { fusedKernels, hasFusedKernel, runFusedKernel } from './fusedBlock.js';

/** LayerNorm over the last axis, as torch.nn.LayerNorm (biased variance). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  return tf.tidy(() => {
    // One kernel each way where the backend has it (backend/nativeLayerNorm.ts): the same
    // equations; its other outputs are each row's mean and 1/√(σ² + eps), kept for the gradient.
    if (hasFusedKernel(fusedKernels.layerNorm)) return runFusedKernel(fusedKernels.layerNorm, { x, weight, bias }, { eps })[0];
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(weight).add(bias);
  });
}
