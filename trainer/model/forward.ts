// The whole network for every architecture (SPEC §3). With `trace`, the forward pass also
// returns, per layer, what the §4 metrics need, so introspection needs no second model.
import { tf, type Tensor } from '../tf.js';
import { blockConstants, type ModelShape } from './architecture.js';
import { ista } from './ista.js';
import { layerNorm } from './layerNorm.js';
import { mssa } from './mssa.js';
import { odl, type SparseCodingResult } from './odl.js';
import { linear, type Params } from './params.js';
import { embedPatches } from './patchEmbedding.js';
import { vitAttention, vitMlp } from './vitBlocks.js';

// Type aliases, not interfaces: tf.tidy needs their implicit index signatures.
export type LayerTrace = {
  /** Z: the input of MSSA, LN(x), [B, N, d]. */
  mssaInput: Tensor;
  /** Softmax attention per head, [B, K, N, N]. */
  attention: Tensor;
  /** The sparse code (A₂ for ODL, the ISTA output for CRATE; the MLP hidden layer for ViT), [B, N, m]. */
  code: Tensor;
};

export type ForwardResult = {
  logits: Tensor; // [B, classes]
  layers: LayerTrace[]; // empty unless traced
};

function norm(x: Tensor, p: Params, prefix: string, eps: number): Tensor {
  return layerNorm(x, p[`${prefix}.weight`], p[`${prefix}.bias`], eps);
}

/** One layer: x → x' (seed 000 eq. (3) for CRATE, (12) for CRATE-α; standard for ViT). */
function layer(x: Tensor, p: Params, s: ModelShape, i: number, trace: LayerTrace[] | undefined): Tensor {
  const l = `transformer.layers.${i}`;
  const eps = blockConstants.layerNormEps(s.arch);
  const [b, n, d] = x.shape;
  const z = norm(x, p, `${l}.0.norm`, eps);
  const attn = s.arch === 'vit' ? vitAttention(z, p, `${l}.0.fn`, s) : mssa(z, p, `${l}.0.fn`, s);
  // eq. (3): Z^{ℓ+1/2} = Z^ℓ + MSSA(Z^ℓ); crate-n flips the update's sign (seed 002).
  const half = s.arch === 'crate-n' ? x.sub(attn.out) : x.add(attn.out);
  const y = norm(half, p, `${l}.1.norm`, eps).reshape([b * n, d]);
  let sc: SparseCodingResult;
  if (s.arch === 'crate-alpha') sc = odl(y, p, `${l}.1.fn`);
  else if (s.arch === 'vit') sc = vitMlp(y, p, `${l}.1.fn`);
  else sc = ista(y, p, `${l}.1.fn`);
  const out = sc.out.reshape([b, n, d]);
  trace?.push({ mssaInput: z, attention: attn.attention, code: sc.code.reshape([b, n, -1]) });
  // CRATE's ISTA block replaces the stream (no residual); CRATE-α adds ODL's output (eq. (12)).
  const residual = s.arch === 'vit' || (s.arch === 'crate-alpha' && s.residual);
  return residual ? half.add(out) : out;
}

export function forward(images: Tensor, p: Params, s: ModelShape, opts: { trace?: boolean } = {}): ForwardResult {
  return tf.tidy(() => {
    const trace: LayerTrace[] | undefined = opts.trace ? [] : undefined;
    let x = embedPatches(images, p, s);
    for (let i = 0; i < s.depth; i++) x = layer(x, p, s, i, trace);
    const cls = x.slice([0, 0, 0], [x.shape[0], 1, s.dim]).reshape([x.shape[0], s.dim]);
    const logits = linear(norm(cls, p, 'mlp_head.0', blockConstants.headLayerNormEps), p, 'mlp_head.1');
    return { logits, layers: trace ?? [] };
  });
}
