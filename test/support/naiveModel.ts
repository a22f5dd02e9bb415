// An independent, deliberately plain float64 implementation of every architecture, written from
// the equations of docs/models.md (token vectors and loops, a real strided convolution, no tfjs), used
// to check the tfjs models on shapes the reference cases do not cover.
import type { ModelShape } from '../../trainer/model/architecture.js';

/** Only the shape is shared with the code under test; none of its computation. */
export type NaiveShape = Pick<ModelShape, 'arch' | 'image' | 'patch' | 'channels' | 'dim' | 'depth' | 'heads' | 'classes' | 'residual'> & {
  /** The SRR study's attention-only layers: x ± attention(LN x) and nothing else (absent: full layers). */
  attentionOnly?: boolean;
};

type Weights = Map<string, { shape: number[]; data: Float32Array }>;
type Vec = Float64Array;

function get(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t.data;
}

/** y = W x (+ b) with W stored [out, in] row-major. */
function affine(W: Float32Array, x: Vec, out: number, b?: Float32Array): Vec {
  const n = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < n; i++) s += W[o * n + i] * x[i];
    y[o] = s;
  }
  return y;
}

/** y = Wᵀ x with W stored [rows, cols] (x of length rows). */
function affineT(W: Float32Array, x: Vec, cols: number): Vec {
  const y = new Float64Array(cols);
  for (let r = 0; r < x.length; r++) for (let c = 0; c < cols; c++) y[c] += W[r * cols + c] * x[r];
  return y;
}

function layerNorm(x: Vec, w: Float32Array, b: Float32Array, eps: number): Vec {
  const n = x.length;
  const mean = x.reduce((a, v) => a + v, 0) / n;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w[i] + b[i]);
}

const relu = (v: number): number => (v > 0 ? v : 0);
const add = (a: Vec, b: Vec): Vec => a.map((v, i) => v + b[i]);

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is only 1e-7 accurate; use a series / continued fraction instead.
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let k = 1; k < 200; k++) {
      term *= (-t * t) / k;
      sum += term / (2 * k + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - Math.exp(-t * t) / (t * Math.sqrt(Math.PI)) * (1 - 1 / (2 * t * t)));
}

/**
 * Dropout masks for one batch, each site's whole-batch mask in the order the sites are met
 * (embedding; then per layer: attention weights, attention output, MLP hidden, block output), with
 * only the sites the architecture has: written here from the official code (model/dropout.ts's
 * citations), not taken from the code under test. An image's part of a mask is its slice, in the
 * layout of that site's tensor for one image: [tokens, width] or, for the weights, [heads, N, N].
 */
export type NaiveDropoutMasks = Float32Array[];

/** The sites an architecture drops at, in order of a layer (the embedding's comes first). */
function naiveDropoutSites(arch: NaiveShape['arch']): { embedding: boolean; weights: boolean; attentionOut: boolean; hidden: boolean; blockOut: boolean } {
  if (arch === 'crate-alpha') return { embedding: true, weights: false, attentionOut: true, hidden: false, blockOut: true };
  if (arch === 'vit') return { embedding: false, weights: true, attentionOut: true, hidden: true, blockOut: true };
  return { embedding: false, weights: true, attentionOut: true, hidden: false, blockOut: false };
}

/** Hands out one image's slices of the masks, site after site. */
class MaskReader {
  private next = 0;
  constructor(
    private readonly masks: NaiveDropoutMasks | undefined,
    private readonly image: number,
    private readonly images: number,
  ) {}

  /** The next site's mask for this image, or undefined (no dropout). */
  take(): Float32Array | undefined {
    if (!this.masks) return undefined;
    const m = this.masks[this.next++];
    if (!m) throw new Error(`no mask for dropout site ${this.next - 1}`);
    const per = m.length / this.images;
    return m.subarray(this.image * per, (this.image + 1) * per);
  }

  /** Token rows times this site's mask (rows × width, row-major). */
  rows(x: Vec[]): Vec[] {
    const m = this.take();
    if (!m) return x;
    const width = x[0].length;
    return x.map((t, n) => t.map((v, c) => v * m[n * width + c]));
  }
}

/** Per head h: softmax(w_h w_hᵀ/√p) w_h over tokens, for query/key/value vectors per token; `weightMask` [heads, N, N] multiplies the softmax weights. */
function attend(q: Vec[], k: Vec[], v: Vec[], heads: number, weightMask?: Float32Array): Vec[] {
  const n = q.length;
  const d = q[0].length;
  const p = d / heads;
  const out = q.map(() => new Float64Array(d));
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      const scores = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = h * p; c < (h + 1) * p; c++) s += q[i][c] * k[j][c];
        scores[j] = s / Math.sqrt(p);
      }
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const z = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < n; j++) {
        const a = (e[j] / z) * (weightMask ? weightMask[(h * n + i) * n + j] : 1);
        for (let c = h * p; c < (h + 1) * p; c++) out[i][c] += a * v[j][c];
      }
    }
  }
  return out;
}

function embed(w: Weights, s: NaiveShape, img: Float32Array): Vec[] {
  const { patch: P, channels: C, image: H, dim: d } = s;
  const g = H / P;
  const px = (c: number, y: number, x: number): number => img[(c * H + y) * H + x];
  const tokens: Vec[] = [Float64Array.from(get(w, 'cls_token'))];
  for (let gy = 0; gy < g; gy++) {
    for (let gx = 0; gx < g; gx++) {
      if (s.arch === 'crate-alpha') {
        const W = get(w, 'conv1.weight');
        const b = get(w, 'conv1.bias');
        const t = new Float64Array(d);
        for (let o = 0; o < d; o++) {
          let acc = b[o];
          for (let c = 0; c < C; c++) for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) acc += W[((o * C + c) * P + i) * P + j] * px(c, gy * P + i, gx * P + j);
          t[o] = acc;
        }
        tokens.push(t);
      } else {
        const v = new Float64Array(P * P * C);
        for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) for (let c = 0; c < C; c++) v[(i * P + j) * C + c] = px(c, gy * P + i, gx * P + j);
        const a = layerNorm(v, get(w, 'to_patch_embedding.1.weight'), get(w, 'to_patch_embedding.1.bias'), 1e-5);
        const b = affine(get(w, 'to_patch_embedding.2.weight'), a, d, get(w, 'to_patch_embedding.2.bias'));
        tokens.push(layerNorm(b, get(w, 'to_patch_embedding.3.weight'), get(w, 'to_patch_embedding.3.bias'), 1e-5));
      }
    }
  }
  const pos = get(w, 'pos_embedding');
  return tokens.map((t, n) => t.map((v, c) => v + pos[n * d + c]));
}

/** Per layer of one image: the MSSA input tokens and the sparse code tokens (attention-only: the layer's output). */
export interface NaiveLayerTrace {
  z: Vec[];
  code: Vec[];
}

function layer(w: Weights, s: NaiveShape, x: Vec[], i: number, masks: MaskReader, trace?: NaiveLayerTrace[]): Vec[] {
  const sites = naiveDropoutSites(s.arch);
  const d = s.dim;
  const l = `transformer.layers.${i}`;
  const eps = s.arch === 'crate-alpha' ? 1e-6 : 1e-5;
  const z = x.map((t) => layerNorm(t, get(w, `${l}.0.norm.weight`), get(w, `${l}.0.norm.bias`), eps));
  const record: NaiveLayerTrace = { z, code: [] };
  trace?.push(record);
  let attnOut: Vec[];
  if (s.arch === 'vit') {
    const W = get(w, `${l}.0.fn.to_qkv.weight`);
    const qkv = z.map((t) => affine(W, t, 3 * d));
    const heads = attend(qkv.map((t) => t.slice(0, d)), qkv.map((t) => t.slice(d, 2 * d)), qkv.map((t) => t.slice(2 * d)), s.heads, sites.weights ? masks.take() : undefined);
    attnOut = heads.map((h) => affine(get(w, `${l}.0.fn.to_out.0.weight`), h, d, get(w, `${l}.0.fn.to_out.0.bias`)));
  } else {
    const Wqkv = get(w, `${l}.0.fn.qkv.weight`);
    const proj = z.map((t) => affine(Wqkv, t, d)); // U_kᵀ z for all k
    const heads = attend(proj, proj, proj, s.heads, sites.weights ? masks.take() : undefined);
    const outW = w.get(`${l}.0.fn.to_out.0.weight`)?.data;
    const outB = w.get(`${l}.0.fn.to_out.0.bias`)?.data;
    attnOut = heads.map((h) => {
      if (s.arch === 'crate-c' || s.arch === 'crate-n') return affineT(Wqkv, h, d); // Σ_k U_k h_k
      if (s.arch === 'crate-t') return affine(Wqkv, h, d);
      if (s.arch === 'crate-identity') return h;
      return affine(outW!, h, d, outB);
    });
  }
  if (sites.attentionOut) attnOut = masks.rows(attnOut);
  const half = x.map((t, n) => (s.arch === 'crate-n' ? t.map((v, c) => v - attnOut[n][c]) : add(t, attnOut[n])));
  if (s.attentionOnly) {
    record.code.push(...half); // no sparse code: the trace holds the layer's output
    return half;
  }
  const y = half.map((t) => layerNorm(t, get(w, `${l}.1.norm.weight`), get(w, `${l}.1.norm.bias`), eps));
  if (s.arch === 'vit') {
    const hidden = y.map((t) => affine(get(w, `${l}.1.fn.net.0.weight`), t, 4 * d, get(w, `${l}.1.fn.net.0.bias`)).map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    record.code.push(...hidden);
    const out = masks.rows(masks.rows(hidden).map((h) => affine(get(w, `${l}.1.fn.net.3.weight`), h, d, get(w, `${l}.1.fn.net.3.bias`))));
    return out.map((o, n) => add(half[n], o));
  }
  if (s.arch === 'crate-alpha') {
    // ISTA-OC (eqs. 8–9) with D ∈ R^{d×m}, then ODL = D̂ A (eq. 11), residual (eq. 12).
    const D = get(w, `${l}.1.fn.D`);
    const Dhat = w.get(`${l}.1.fn.D1`)?.data ?? D;
    const m = D.length / d;
    const outs = masks.rows(
      y.map((t) => {
        const a1 = affineT(D, t, m).map((v) => relu(0.1 * v - 0.01)); // A₁ = ReLU(η Dᵀz − ηλ)
        const da1 = affine(D, a1, d); // D A₁ (D stored [d, m])
        const grad = affineT(D, da1.map((v, c) => v - t[c]), m);
        const a2 = a1.map((v, j) => relu(v - 0.1 * grad[j] - 0.01));
        record.code.push(a2);
        return affine(Dhat, a2, d);
      }),
    );
    return outs.map((out, n) => (s.residual ? add(half[n], out) : out));
  }
  // ISTA (eq. 6): ReLU(z + η Dᵀ(z − D z) − ηλ) with D = the stored weight.
  const D = get(w, `${l}.1.fn.weight`);
  return y.map((t) => {
    const dz = affine(D, t, d);
    const step = affineT(D, t.map((v, c) => v - dz[c]), d);
    const out = t.map((v, c) => relu(v + 0.1 * step[c] - 0.01));
    record.code.push(out);
    return out;
  });
}

/**
 * Logits [images][classes]; with `traces`, each image's per-layer trace is appended to it; with
 * `masks`, the training forward pass with those dropout masks.
 */
export function naiveLogits(w: Weights, s: NaiveShape, images: Float32Array, traces?: NaiveLayerTrace[][], masks?: NaiveDropoutMasks): number[][] {
  const per = s.channels * s.image * s.image;
  const count = images.length / per;
  const out: number[][] = [];
  for (let b = 0; b < count; b++) {
    const reader = new MaskReader(masks, b, count);
    let x = embed(w, s, images.subarray(b * per, (b + 1) * per));
    if (naiveDropoutSites(s.arch).embedding) x = reader.rows(x);
    const trace: NaiveLayerTrace[] = [];
    traces?.push(trace);
    for (let i = 0; i < s.depth; i++) x = layer(w, s, x, i, reader, trace);
    const cls = layerNorm(x[0], get(w, 'mlp_head.0.weight'), get(w, 'mlp_head.0.bias'), 1e-5);
    out.push(Array.from(affine(get(w, 'mlp_head.1.weight'), cls, s.classes, get(w, 'mlp_head.1.bias'))));
  }
  return out;
}
