// Multi-head Subspace Self-Attention, CRATE-α (Yang et al. 2024) eq. (5), as the official code
// computes it: one matrix Wqkv gives the projections onto all K subspaces (U_kᵀ = rows
// kp…(k+1)p−1 of Wqkv), each head attends with its own projection as query, key and value.
// Eq. (5)'s scalar κp/(Nε²) is not computed: the official code folds it into the learned output
// map [U_1 … U_K] (to_out), and the SRR study's tied variants drop it; the softmax takes the
// official code's p^-½ scale instead, which eq. (5) leaves out. Dropout, while training, sits where
// the official code has it (the table layerBlocks): on the attention weights and after the output map.
import { tf, type Tensor } from '../tf.js';
import { layerBlocks, type ModelShape, mssaOutput } from './architecture.js';
import { type Drop, noDrop } from './dropout.js';
import { fusedKernels, hasFusedKernel, runFusedKernel } from './fusedBlock.js';
import { linear, type Params } from './params.js';

export interface MssaResult {
  out: Tensor; // [B, N, d]
  attention: Tensor; // [B, K, N, N]
}

/** Splits [B, N, K·p] into heads [B, K, N, p]. */
export function splitHeads(t: Tensor, heads: number): Tensor {
  const [b, n, d] = t.shape;
  return t.reshape([b, n, heads, d / heads]).transpose([0, 2, 1, 3]);
}

/** Joins heads [B, K, N, p] into [B·N, K·p]. */
export function joinHeads(t: Tensor): Tensor {
  const [b, k, n, p] = t.shape;
  return t.transpose([0, 2, 1, 3]).reshape([b * n, k * p]);
}

/**
 * softmax(w wᵀ · p^-½) w per head: the (U_kᵀZ) softmax((U_kᵀZ)ᵀ(U_kᵀZ)) term of eq. (5); the
 * weights as computed (before any dropout) are returned for introspection.
 */
export function subspaceAttention(w: Tensor, scale: number, drop: Drop = noDrop): { heads: Tensor; attention: Tensor } {
  const attention = tf.softmax(tf.matMul(w, w, false, true).mul(scale));
  return { heads: tf.matMul(drop(attention, 'attention-weights'), w), attention };
}

/**
 * subspaceAttention over the K heads of the projections w [B, N, K·p], the heads joined back into
 * [B, N, K·p]. Where the backend registers the fused kernel CrateSubspaceAttention (wasm with the
 * addon, backend/nativeAttention.ts) it runs as one kernel that also reads and writes the heads in
 * place of splitHeads/joinHeads; it has no dropout mask, so dropout on the weights runs the ops above.
 */
export function multiHeadAttention(w: Tensor, heads: number, scale: number, drop: Drop = noDrop): { heads: Tensor; attention: Tensor } {
  if (drop === noDrop && hasFusedKernel(fusedKernels.attention)) {
    const [joined, attention] = runFusedKernel(fusedKernels.attention, { projections: w }, { heads, scale });
    return { heads: joined, attention };
  }
  const split = subspaceAttention(splitHeads(w, heads), scale, drop);
  return { heads: joinHeads(split.heads).reshape(w.shape), attention: split.attention };
}

export function mssa(y: Tensor, p: Params, layer: string, s: ModelShape, drop: Drop = noDrop): MssaResult {
  const [b, n, d] = y.shape;
  const wqkv = p[`${layer}.qkv.weight`];
  const w = tf.matMul(y.reshape([b * n, d]), wqkv, false, true).reshape([b, n, d]);
  // Dropout on the attention weights only where the architecture has it (layerBlocks): crate-alpha
  // has none, so its training keeps the fused kernel; crate and the SRR variants train composed.
  const weightsDrop = layerBlocks[s.arch].dropout.includes('attention-weights') ? drop : noDrop;
  const { heads, attention } = multiHeadAttention(w, s.heads, (d / s.heads) ** -0.5, weightsDrop);
  const joined = heads.reshape([b * n, d]);
  // The output map [U_1 … U_K] of eq. (5), learned or tied to the subspaces (the SRR study's variants, Hu, Zou & Xu 2024).
  let out: Tensor;
  switch (mssaOutput(s.arch)) {
    case 'learned':
    case 'learned-nobias':
    case 'fixed':
      out = linear(joined, p, `${layer}.to_out.0`);
      break;
    case 'tied':
      out = tf.matMul(joined, wqkv); // Σ_k U_k (U_kᵀZ…): heads · Wqkv
      break;
    case 'tied-transposed':
      out = tf.matMul(joined, wqkv, false, true); // heads · Wqkvᵀ
      break;
    case 'identity':
      out = joined;
      break;
  }
  return { out: drop(out.reshape([b, n, d]), 'attention-output'), attention };
}
