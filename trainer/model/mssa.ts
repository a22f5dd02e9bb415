// Multi-head Subspace Self-Attention, CRATE-α (Yang et al. 2024) eq. (5), as the official code
// computes it: one matrix Wqkv gives the projections onto all K subspaces (U_kᵀ = rows
// kp…(k+1)p−1 of Wqkv), each head attends with its own projection as query, key and value.
// Eq. (5)'s scalar κp/(Nε²) is not computed: the official code folds it into the learned output
// map [U_1 … U_K] (to_out), and the SRR study's tied variants drop it; the softmax takes the
// official code's p^-½ scale instead, which eq. (5) leaves out. Dropout, while training, sits where
// the official code has it (the table layerBlocks): on the attention weights and after the output map.
import { tf, type Tensor } from '../tf.js';
import { type ModelShape, mssaOutput } from './architecture.js';
import { type Drop, noDrop } from './dropout.js';
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

export function mssa(y: Tensor, p: Params, layer: string, s: ModelShape, drop: Drop = noDrop): MssaResult {
  const [b, n, d] = y.shape;
  const wqkv = p[`${layer}.qkv.weight`];
  const w = splitHeads(tf.matMul(y.reshape([b * n, d]), wqkv, false, true).reshape([b, n, d]), s.heads);
  const { heads, attention } = subspaceAttention(w, (d / s.heads) ** -0.5, drop);
  const joined = joinHeads(heads);
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
