// The whole network for every architecture (docs/models.md). With `trace`, the forward pass also
// returns, per layer, what the introspection metrics need, so they need no second model.
import { tf, type Tensor } from '../tf.js';
import { blockConstants, layerBlocks, type ModelShape } from './architecture.js';
import { type Drop, type Dropout, noDrop } from './dropout.js';
import { attentionStep } from './attentionStep.js';
import { ista } from './ista.js';
import { layerNorm } from './layerNorm.js';
import { odl, type SparseCodingResult } from './odl.js';
import { linear, type Params } from './params.js';
import { embedPatches } from './patchEmbedding.js';
import { vitMlp } from './vitBlocks.js';

// Type aliases, not interfaces: tf.tidy needs their implicit index signatures.
export type LayerTrace = {
  /** Z: the input of MSSA, LN(x), [B, N, d]. */
  mssaInput: Tensor;
  /** Softmax attention per head, [B, K, N, N]. */
  attention: Tensor;
  /**
   * The sparse code (A₂ for ODL, the ISTA output for CRATE; the MLP hidden layer for ViT), [B, N, m];
   * an attention-only model has none: its layer's output Z^{ℓ+1/2}, [B, N, d].
   */
  code: Tensor;
};

export type ForwardResult = {
  logits: Tensor; // [B, classes]
  layers: LayerTrace[]; // empty unless traced
};

function norm(x: Tensor, p: Params, prefix: string, eps: number): Tensor {
  return layerNorm(x, p[`${prefix}.weight`], p[`${prefix}.bias`], eps);
}

const sparseCodingBlock = { odl, ista, mlp: vitMlp };

/**
 * One layer, as CRATE-α (Yang et al. 2024) writes it: eq. (3) for CRATE and its variants,
 * Z^{ℓ+1/2} = Z^ℓ + MSSA(LN(Z^ℓ)), Z^{ℓ+1} = ISTA(LN(Z^{ℓ+1/2})); eq. (12) for CRATE-α,
 * Z^{ℓ+1} = Z^{ℓ+1/2} + ODL(LN(Z^{ℓ+1/2})); a pre-norm ViT block for `vit`. Which block, sign and
 * residual each architecture takes is the table `layerBlocks` (model/architecture.ts). An
 * attention-only model (the SRR study's, model/attentionStep.ts) stops at Z^{ℓ+1} = Z^{ℓ+1/2}.
 */
function layer(x: Tensor, p: Params, s: ModelShape, i: number, trace: LayerTrace[] | undefined, drop: Drop): Tensor {
  const first = attentionStep(x, p, s, i, drop);
  const half = first.out;
  if (s.attentionOnly) {
    trace?.push({ mssaInput: first.input, attention: first.attention, code: half });
    return half;
  }
  const blocks = layerBlocks[s.arch];
  const [b, n, d] = x.shape;
  const y = norm(half, p, `transformer.layers.${i}.1.norm`, blockConstants.layerNormEps(s.arch)).reshape([b * n, d]);
  const sc: SparseCodingResult = sparseCodingBlock[blocks.sparseCoding](y, p, `transformer.layers.${i}.1.fn`, drop);
  const out = sc.out.reshape([b, n, d]);
  trace?.push({ mssaInput: first.input, attention: first.attention, code: sc.code.reshape([b, n, -1]) });
  const residual = blocks.residual === 'always' || (blocks.residual === 'switch' && s.residual);
  return residual ? half.add(out) : out;
}

/** Dropout where the architecture has it (layerBlocks), or nowhere. */
function dropFor(s: ModelShape, dropout: Dropout | undefined): Drop {
  if (!dropout) return noDrop;
  const sites = layerBlocks[s.arch].dropout;
  return (x, site) => (sites.includes(site) ? dropout.apply(x) : x);
}

/**
 * The network's logits. `dropout` only while training: evaluation and inference leave it out (the
 * official code's eval mode). With `trace`, what the introspection metrics need, per layer.
 */
export function forward(images: Tensor, p: Params, s: ModelShape, opts: { trace?: boolean; dropout?: Dropout } = {}): ForwardResult {
  return tf.tidy(() => {
    const trace: LayerTrace[] | undefined = opts.trace ? [] : undefined;
    const drop = dropFor(s, opts.dropout);
    let x = drop(embedPatches(images, p, s), 'embedding');
    for (let i = 0; i < s.depth; i++) {
      // A scope per layer frees its intermediates as the pass goes rather than at its end (the
      // tape keeps what backward needs): inference then holds about one layer's tensors.
      const input = x;
      const out = tf.tidy(() => {
        const layerTrace: LayerTrace[] = [];
        return { x: layer(input, p, s, i, trace && layerTrace, drop), trace: layerTrace };
      });
      x = out.x;
      trace?.push(...out.trace);
    }
    const cls = x.slice([0, 0, 0], [x.shape[0], 1, s.dim]).reshape([x.shape[0], s.dim]);
    const logits = linear(norm(cls, p, 'mlp_head.0', blockConstants.headLayerNormEps), p, 'mlp_head.1');
    return { logits, layers: trace ?? [] };
  });
}
