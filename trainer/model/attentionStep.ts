// The first half of a layer, the attention block with its skip connection: CRATE-α (Yang et al.
// 2024) eq. (3), Z^{ℓ+1/2} = Z^ℓ + MSSA(LN(Z^ℓ)), derived as a gradient step that compresses the
// tokens against the subspaces U, i.e. lowers Rc(Z|U); crate-n subtracts the update instead (Hu,
// Zou & Xu 2024, "An In-depth Investigation of Sparse Rate Reduction in Transformer-like Models").
// Stacked alone, without the sparse-coding half (`model.attentionOnly`), it is that study's
// attention-only model (its Fig. 1a): layers of MSSA with its skip connection, to see whether Rc
// falls across layers as the derivation intends. Which block and sign each architecture takes is
// the table `layerBlocks` (model/architecture.ts).
import type { Tensor } from '../tf.js';
import { blockConstants, layerBlocks, type ModelShape } from './architecture.js';
import type { Drop } from './dropout.js';
import { layerNorm } from './layerNorm.js';
import { mssa } from './mssa.js';
import type { Params } from './params.js';
import { vitAttention } from './vitBlocks.js';

export type AttentionStep = {
  /** Z: the attention block's input, LN(Z^ℓ), [B, N, d]. */
  input: Tensor;
  /** Softmax attention per head, [B, K, N, N]. */
  attention: Tensor;
  /** Z^{ℓ+1/2} = Z^ℓ ± attention(LN(Z^ℓ)), [B, N, d]. */
  out: Tensor;
};

const attentionBlock = { mssa, vit: vitAttention };

/** Layer i's first half on the stream x [B, N, d]. */
export function attentionStep(x: Tensor, p: Params, s: ModelShape, i: number, drop: Drop): AttentionStep {
  const blocks = layerBlocks[s.arch];
  const prefix = `transformer.layers.${i}.0`;
  const input = layerNorm(x, p[`${prefix}.norm.weight`], p[`${prefix}.norm.bias`], blockConstants.layerNormEps(s.arch));
  const attn = attentionBlock[blocks.attention](input, p, `${prefix}.fn`, s, drop);
  const out = blocks.attentionSign > 0 ? x.add(attn.out) : x.sub(attn.out);
  return { input, attention: attn.attention, out };
}
