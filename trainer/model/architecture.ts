// The architectures, their hyper-parameters and the size presets of CRATE-α (Yang et al. 2024), Table 4.
// One source of truth: the CLI, the config schema and the language server read these tables.

export const archIds = ['crate-alpha', 'crate', 'crate-c', 'crate-n', 'crate-t', 'crate-fix', 'crate-identity', 'vit'] as const;
export type ArchId = (typeof archIds)[number];

export const sizeIds = ['tiny', 'small', 'base', 'large', 'huge'] as const;
export type SizeId = (typeof sizeIds)[number];

/** How MSSA's head outputs return to the residual stream (docs/models.md, the SRR study's variants). */
export type MssaOutput = 'learned' | 'learned-nobias' | 'tied' | 'tied-transposed' | 'fixed' | 'identity';

export interface ModelShape {
  arch: ArchId;
  image: number;
  patch: number;
  channels: number;
  dim: number;
  depth: number;
  heads: number;
  classes: number;
  /** CRATE-α switches (Fig. 1, Fig. 7): dictionary ratio C (1 = complete), D̂ ≠ D, residual around ODL. */
  overcomplete: number;
  decoupled: boolean;
  residual: boolean;
  /**
   * The SRR study's attention-only model (Hu, Zou & Xu 2024, Fig. 1a): every layer is the first
   * half alone, MSSA with its skip connection, without the sparse-coding half (model/attentionStep.ts).
   */
  attentionOnly: boolean;
}

export interface Preset {
  depth: number;
  dim: number;
  heads: number;
  /** Patch size at 224×224 in Table 4. */
  patch: number;
  /** Table 4 parameter counts (millions) at 224×224, 1000 classes. */
  paramsMillions: { 'crate-alpha': number; crate: number };
}

export const presets: Record<SizeId, Preset> = {
  tiny: { depth: 12, dim: 192, heads: 3, patch: 16, paramsMillions: { 'crate-alpha': 4.8, crate: 1.7 } },
  small: { depth: 12, dim: 576, heads: 12, patch: 16, paramsMillions: { 'crate-alpha': 41.0, crate: 13.1 } },
  base: { depth: 12, dim: 768, heads: 12, patch: 16, paramsMillions: { 'crate-alpha': 72.3, crate: 22.8 } },
  large: { depth: 24, dim: 1024, heads: 16, patch: 14, paramsMillions: { 'crate-alpha': 253.8, crate: 77.6 } },
  huge: { depth: 32, dim: 1280, heads: 16, patch: 14, paramsMillions: { 'crate-alpha': 526.8, crate: 159.8 } },
};

/** Fixed constants of the blocks (docs/models.md). */
export const blockConstants = {
  eta: 0.1,
  lambda: 0.1,
  /** Block LayerNorm eps: 1e-6 in CRATE-α, 1e-5 elsewhere (PyTorch's default). */
  layerNormEps: (arch: ArchId): number => (arch === 'crate-alpha' ? 1e-6 : 1e-5),
  headLayerNormEps: 1e-5,
  defaultOvercomplete: 4,
} as const;

/**
 * What a layer is made of, per architecture: the two halves of CRATE's layer (CRATE-α eq. 3) and
 * CRATE-α's (eq. 12), and the SRR study's variants of the first half (Hu, Zou & Xu 2024).
 */
export interface LayerBlocks {
  /** The first half: MSSA (eq. 5), or a ViT's softmax attention. */
  attention: 'mssa' | 'vit';
  /** How MSSA's head outputs return to the stream (the variants differ only here). */
  mssaOutput: MssaOutput;
  /** Z^{ℓ+1/2} = Z^ℓ ± attention: crate-n subtracts (the SRR study's "negative" update). */
  attentionSign: 1 | -1;
  /** The second half: ODL (eq. 12), one ISTA step (eq. 6), or a ViT's MLP. */
  sparseCoding: 'odl' | 'ista' | 'mlp';
  /** A residual around the second half: never for CRATE's ISTA (it replaces the stream), always for ViT, the `residual` switch for CRATE-α. */
  residual: 'never' | 'always' | 'switch';
  /** Where `model.dropout` applies while training (model/dropout.ts), as in the official code cited at each table entry. */
  dropout: readonly DropoutSite[];
}

/**
 * Where a dropout can sit: after the patch embedding and positions; on the softmax attention
 * weights; after the attention block's output map; after the MLP's hidden activation; after the
 * second half's output.
 */
export type DropoutSite = 'embedding' | 'attention-weights' | 'attention-output' | 'mlp-hidden' | 'sparse-coding-output';

// Ma-Lab-Berkeley/CRATE model/crate.py: `self.dropout(attn)` after the softmax (line 71) and
// `to_out = Sequential(Linear, Dropout)` (lines 60–63); FeedForward, the ISTA block, takes
// `dropout` but never applies it (lines 24–43). Its embedding dropout is `emb_dropout` (lines
// 129, 148), a separate rate, 0 in every preset: `model.dropout` does not set it. The SRR study's
// variants replace to_out's Linear by their output map; the Dropout after it stays.
const crate: LayerBlocks = { attention: 'mssa', mssaOutput: 'learned', attentionSign: 1, sparseCoding: 'ista', residual: 'never', dropout: ['attention-weights', 'attention-output'] };

export const layerBlocks: Record<ArchId, LayerBlocks> = {
  // UCSC-VLAA/CRATE-alpha models/crate.py: `nn.Dropout(rate=self.dropout)` after the embedding and
  // positions (line 253), after MSSA (line 123) and after the ODL block (line 137); its subspace
  // attention is built without a dropout rate (lines 115–122), so none on the attention weights.
  'crate-alpha': { attention: 'mssa', mssaOutput: 'learned-nobias', attentionSign: 1, sparseCoding: 'odl', residual: 'switch', dropout: ['embedding', 'attention-output', 'sparse-coding-output'] },
  crate,
  'crate-c': { ...crate, mssaOutput: 'tied' },
  'crate-n': { ...crate, mssaOutput: 'tied', attentionSign: -1 },
  'crate-t': { ...crate, mssaOutput: 'tied-transposed' },
  'crate-fix': { ...crate, mssaOutput: 'fixed' },
  'crate-identity': { ...crate, mssaOutput: 'identity' },
  // lucidrains/vit-pytorch vit_pytorch/vit.py, the layout CRATE was forked from (docs/models.md):
  // `self.dropout(attn)`, `to_out = Sequential(Linear, Dropout)`, and FeedForward's `net` =
  // Linear, GELU, Dropout, Linear, Dropout (hence net.0 and net.3); `emb_dropout` is separate, as in CRATE.
  vit: { attention: 'vit', mssaOutput: 'learned', attentionSign: 1, sparseCoding: 'mlp', residual: 'always', dropout: ['attention-weights', 'attention-output', 'mlp-hidden', 'sparse-coding-output'] },
};

export function mssaOutput(arch: ArchId): MssaOutput {
  return layerBlocks[arch].mssaOutput;
}

export function isArchId(s: string): s is ArchId {
  return (archIds as readonly string[]).includes(s);
}

export function isSizeId(s: string): s is SizeId {
  return (sizeIds as readonly string[]).includes(s);
}

export type ShapeOverrides = Partial<Omit<ModelShape, 'arch'>>;

/**
 * A full shape from an architecture, an optional size preset and free overrides. Without a size,
 * every architecture field must be given. The result is validated.
 */
export function resolveShape(arch: ArchId, size: SizeId | undefined, overrides: ShapeOverrides): ModelShape {
  const p = size ? presets[size] : undefined;
  const pick = (key: 'dim' | 'depth' | 'heads' | 'patch'): number => {
    const v = overrides[key] ?? p?.[key];
    if (v === undefined) throw new ShapeError(`${key} is required when no size preset is given`);
    return v;
  };
  const shape: ModelShape = {
    arch,
    image: overrides.image ?? 224,
    patch: pick('patch'),
    channels: overrides.channels ?? 3,
    dim: pick('dim'),
    depth: pick('depth'),
    heads: pick('heads'),
    classes: overrides.classes ?? 1000,
    overcomplete: overrides.overcomplete ?? blockConstants.defaultOvercomplete,
    decoupled: overrides.decoupled ?? true,
    residual: overrides.residual ?? true,
    attentionOnly: overrides.attentionOnly ?? false,
  };
  validateShape(shape);
  return shape;
}

/** Which divisibility rule failed, with its numbers, so callers (the config) need not parse text. */
export type ShapeRule = { rule: 'heads'; dim: number; heads: number } | { rule: 'patch'; image: number; patch: number };

export class ShapeError extends Error {
  constructor(
    message: string,
    readonly failed?: ShapeRule,
  ) {
    super(message);
  }
}

/**
 * The largest value of each size of a shape (the run config's schema takes its ranges from here).
 * Far beyond Table 4's huge, they bound what a typo can ask for: a depth of 10⁹ would otherwise
 * build a billion layers before anything else could fail.
 */
export const shapeLimits = { image: 4096, patch: 1024, channels: 64, dim: 8192, depth: 128, heads: 256, classes: 100_000, overcomplete: 16 } as const;

export function validateShape(s: ModelShape): void {
  for (const [k, max] of Object.entries(shapeLimits) as [keyof typeof shapeLimits, number][]) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ShapeError(`${k} must be a positive integer, got ${String(v)}`);
    if (v > max) throw new ShapeError(`${k} must not exceed ${max}, got ${v}`);
  }
  if (s.dim % s.heads !== 0) throw new ShapeError(`dim ${s.dim} is not divisible by heads ${s.heads}`, { rule: 'heads', dim: s.dim, heads: s.heads });
  if (s.image % s.patch !== 0) throw new ShapeError(`image size ${s.image} is not divisible by patch size ${s.patch}`, { rule: 'patch', image: s.image, patch: s.patch });
}

/** Number of tokens: patches plus the CLS token. */
export function tokenCount(s: ModelShape): number {
  return (s.image / s.patch) ** 2 + 1;
}
