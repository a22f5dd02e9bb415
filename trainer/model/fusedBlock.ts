// A block of the model may also run as one fused kernel (forward) and one gradient kernel, where
// the active backend registers them: the wasm backend with the native addon does
// (backend/matMulKernels.ts installs them). The block's equations stay written out beside it in
// tfjs ops, which every other backend runs and which the tests compare the fused kernels with.
import { tf, type Tensor } from '../tf.js';

/** The fused kernels' names: the model runs them, the backend registers them (one of each way). */
export const fusedKernels = {
  layerNorm: 'CrateLayerNorm',
  layerNormGrad: 'CrateLayerNormGrad',
  attention: 'CrateSubspaceAttention',
  attentionGrad: 'CrateSubspaceAttentionGrad',
  odl: 'CrateOdl',
  odlGrad: 'CrateOdlGrad',
  /** Not a block of the model: the optimizer's step of one parameter (train/adamw.ts). */
  adamW: 'CrateAdamW',
} as const;

/** True when the active backend has a kernel registered under `name`. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs the fused kernel `name`; its gradient is the one registered for it (tf.registerGradient). */
export function runFusedKernel(name: string, inputs: Record<string, Tensor>, attrs: Record<string, number | boolean> = {}): Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs);
  return Array.isArray(out) ? out : [out];
}
