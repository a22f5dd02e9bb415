// The per-layer introspection metrics of docs/models.md from a traced forward pass (model/forward.ts).
import type { ModelShape } from '../model/architecture.js';
import type { LayerTrace } from '../model/forward.js';
import type { Params } from '../model/params.js';
import { codingRate, compressionRate } from './codingRate.js';

export const defaultCodingRateEps = 0.5;
/**
 * The precisions ε the coding rates accept: α = d / (N ε²) must stay finite (ε = 1e-300 gives
 * ε² = 0 and an infinite α, a NaN logdet) and meaningful.
 */
export const codingRateEpsRange = { min: 1e-6, max: 100 } as const;

export interface LayerMetrics {
  /** Per probe image. */
  R: number[];
  Rc: number[];
  /** Fraction of exact zeros in the sparse code, per image, and over all images. */
  codeZeroFractionPerImage: number[];
  codeZeroFraction: number;
  /** 1 − zero fraction: the SRR study's normalised ‖Z‖₀. */
  density: number;
  /** density + Rc − R (the SRR study's sparse rate reduction measure), averaged over images. */
  srr: number;
  meanR: number;
  meanRc: number;
}

/** CLS attention maps, float32 [layers, images, heads, grid, grid] row-major (the .npy and attention.bin layout). */
export interface AttentionMaps {
  data: Float32Array;
  layers: number;
  images: number;
  heads: number;
  grid: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The K stacked subspace bases U_kᵀ of a layer (rows of Wqkv; the value rows for ViT, which has no tied subspaces). */
export async function subspaceRows(p: Params, s: ModelShape, layer: number): Promise<Float32Array> {
  const prefix = `transformer.layers.${layer}.0.fn`;
  if (s.arch === 'vit') {
    const all = (await p[`${prefix}.to_qkv.weight`].data()) as Float32Array;
    return all.slice(2 * s.dim * s.dim, 3 * s.dim * s.dim);
  }
  return (await p[`${prefix}.qkv.weight`].data()) as Float32Array;
}

/** Per-layer, per-image values; chunks of a probe set concatenate before summarising. */
export interface LayerImageValues {
  R: number[];
  Rc: number[];
  zeroFraction: number[];
}

export async function layerImageValues(trace: LayerTrace[], p: Params, s: ModelShape, eps = defaultCodingRateEps): Promise<LayerImageValues[]> {
  const out: LayerImageValues[] = [];
  for (let l = 0; l < trace.length; l++) {
    const [b, n, d] = trace[l].mssaInput.shape;
    const z = (await trace[l].mssaInput.data()) as Float32Array;
    const code = (await trace[l].code.data()) as Float32Array;
    const u = await subspaceRows(p, s, l);
    const values: LayerImageValues = { R: [], Rc: [], zeroFraction: [] };
    const perImage = code.length / b;
    for (let i = 0; i < b; i++) {
      const zi = z.subarray(i * n * d, (i + 1) * n * d);
      values.R.push(codingRate(zi, n, d, eps));
      values.Rc.push(compressionRate(zi, n, d, u, s.heads, eps));
      let zeros = 0;
      for (let j = i * perImage; j < (i + 1) * perImage; j++) if (code[j] === 0) zeros++;
      values.zeroFraction.push(zeros / perImage);
    }
    out.push(values);
  }
  return out;
}

/** Every image's code has the same size, so the overall zero fraction is the mean of the images'. */
export function summarizeLayer(v: LayerImageValues): LayerMetrics {
  const zeroFraction = mean(v.zeroFraction);
  return {
    R: v.R,
    Rc: v.Rc,
    codeZeroFractionPerImage: v.zeroFraction,
    codeZeroFraction: zeroFraction,
    density: 1 - zeroFraction,
    srr: mean(v.R.map((r, i) => 1 - v.zeroFraction[i] + v.Rc[i] - r)),
    meanR: mean(v.R),
    meanRc: mean(v.Rc),
  };
}

export async function layerMetrics(trace: LayerTrace[], p: Params, s: ModelShape, eps = defaultCodingRateEps): Promise<LayerMetrics[]> {
  return (await layerImageValues(trace, p, s, eps)).map(summarizeLayer);
}

/** Each head's CLS row of the attention over the patch tokens, as a (H/P)×(W/P) map per image. */
export async function attentionMaps(trace: LayerTrace[], s: ModelShape): Promise<AttentionMaps> {
  const grid = s.image / s.patch;
  const [images, heads, n] = trace.length > 0 ? trace[0].attention.shape : [0, s.heads, 0];
  const data = new Float32Array(trace.length * images * heads * grid * grid);
  let k = 0;
  for (const t of trace) {
    const a = (await t.attention.data()) as Float32Array;
    for (let row = 0; row < images * heads; row++, k++) data.set(a.subarray(row * n * n + 1, row * n * n + n), k * grid * grid); // query = CLS
  }
  return { data, layers: trace.length, images, heads, grid };
}
