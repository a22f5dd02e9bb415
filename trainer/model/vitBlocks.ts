// The standard pre-norm ViT blocks of the baseline: separate Q, K, V and a 4d GELU MLP. While
// training, dropout on the attention weights, after the output projection, after the GELU and after
// the MLP, as vit-pytorch has it (the table layerBlocks).
import { tf, type Tensor } from '../tf.js';
import type { ModelShape } from './architecture.js';
import { type Drop, noDrop } from './dropout.js';
import { joinHeads, splitHeads, type MssaResult } from './mssa.js';
import { linear, type Params } from './params.js';

export function vitAttention(y: Tensor, p: Params, layer: string, s: ModelShape, drop: Drop = noDrop): MssaResult {
  const [b, n, d] = y.shape;
  const qkv = linear(y.reshape([b * n, d]), p, `${layer}.to_qkv`).reshape([b, n, 3 * d]);
  const [q, k, v] = tf.split(qkv, 3, 2).map((t) => splitHeads(t, s.heads));
  const attention = tf.softmax(tf.matMul(q, k, false, true).mul((d / s.heads) ** -0.5));
  const out = linear(joinHeads(tf.matMul(drop(attention, 'attention-weights'), v)), p, `${layer}.to_out.0`);
  return { out: drop(out.reshape([b, n, d]), 'attention-output'), attention };
}

/** Exact GELU, x Φ(x), as torch.nn.GELU. */
export function gelu(x: Tensor): Tensor {
  return x.mul(tf.erf(x.mul(Math.SQRT1_2)).add(1)).mul(0.5);
}

/** y: [B·N, d]; the hidden activation is returned as the layer's "code" for introspection. */
export function vitMlp(y: Tensor, p: Params, layer: string, drop: Drop = noDrop): { out: Tensor; code: Tensor } {
  const hidden = gelu(linear(y, p, `${layer}.net.0`));
  return { out: drop(linear(drop(hidden, 'mlp-hidden'), p, `${layer}.net.3`), 'sparse-coding-output'), code: hidden };
}
