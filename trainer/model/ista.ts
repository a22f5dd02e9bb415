// The sparse coding block of vanilla CRATE, CRATE-α (Yang et al. 2024) eq. (6): one ISTA step towards a sparse
// code in the complete dictionary D, with the input itself as the starting point:
// Z ← ReLU(Z + η Dᵀ(Z − DZ) − ηλ). With tokens as rows and D stored as the official [d, d]
// weight W this is ReLU(y + η(yW − yWᵀW) − ηλ) (F.linear(x, W) = xWᵀ in the official code).
// No dropout: the official FeedForward takes a rate and never applies it (layerBlocks).
import { tf, type Tensor } from '../tf.js';
import { blockConstants } from './architecture.js';
import type { Params } from './params.js';
import type { SparseCodingResult } from './odl.js';

/** y: [B·N, d] rows (tokens). The output is also the sparse code. */
export function ista(y: Tensor, p: Params, layer: string): SparseCodingResult {
  const { eta, lambda } = blockConstants;
  const W = p[`${layer}.weight`];
  const yW = tf.matMul(y, W);
  const yWtW = tf.matMul(tf.matMul(y, W, false, true), W);
  const z = tf.relu(y.add(yW.sub(yWtW).mul(eta)).sub(eta * lambda));
  return { out: z, code: z };
}
