// Every parameter of every architecture: its official PyTorch name (docs/models.md, so released
// checkpoints load without renaming), shape, initialisation and role in the optimiser.
import { type ModelShape, mssaOutput, tokenCount } from './architecture.js';

export type Init =
  | { kind: 'ones' }
  | { kind: 'zeros' }
  /** PyTorch's Linear/Conv default (kaiming_uniform with a = √5): U(±1/√fanIn). */
  | { kind: 'torch-default'; fanIn: number }
  /** torch.nn.init.kaiming_uniform_ with a = 0: U(±√(6/fanIn)). */
  | { kind: 'kaiming-uniform'; fanIn: number }
  | { kind: 'normal'; std: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Norm weights, biases and embeddings get no weight decay (docs/training.md). */
  decay: boolean;
  /** crate-fix's output matrix stays at its random initialisation. */
  trainable: boolean;
}

const layerNorm = (prefix: string, d: number): ParamSpec[] => [
  { name: `${prefix}.weight`, shape: [d], init: { kind: 'ones' }, decay: false, trainable: true },
  { name: `${prefix}.bias`, shape: [d], init: { kind: 'zeros' }, decay: false, trainable: true },
];

const linear = (prefix: string, out: number, inp: number, bias: boolean, trainable = true): ParamSpec[] => [
  { name: `${prefix}.weight`, shape: [out, inp], init: { kind: 'torch-default', fanIn: inp }, decay: true, trainable },
  ...(bias
    ? [{ name: `${prefix}.bias`, shape: [out], init: { kind: 'torch-default', fanIn: inp } as Init, decay: false, trainable: true }]
    : []),
];

function embedding(s: ModelShape): ParamSpec[] {
  const d = s.dim;
  const patchDim = s.channels * s.patch * s.patch;
  const tokens: ParamSpec[] = [
    { name: 'cls_token', shape: [1, 1, d], init: { kind: 'normal', std: 0.02 }, decay: false, trainable: true },
    { name: 'pos_embedding', shape: [1, tokenCount(s), d], init: { kind: 'normal', std: 0.02 }, decay: false, trainable: true },
  ];
  if (s.arch === 'crate-alpha') {
    return [
      { name: 'conv1.weight', shape: [d, s.channels, s.patch, s.patch], init: { kind: 'torch-default', fanIn: patchDim }, decay: true, trainable: true },
      { name: 'conv1.bias', shape: [d], init: { kind: 'torch-default', fanIn: patchDim }, decay: false, trainable: true },
      ...tokens,
    ];
  }
  return [
    ...layerNorm('to_patch_embedding.1', patchDim),
    ...linear('to_patch_embedding.2', d, patchDim, true),
    ...layerNorm('to_patch_embedding.3', d),
    ...tokens,
  ];
}

function attention(s: ModelShape, prefix: string): ParamSpec[] {
  const d = s.dim;
  if (s.arch === 'vit') return [...linear(`${prefix}.to_qkv`, 3 * d, d, false), ...linear(`${prefix}.to_out.0`, d, d, true)];
  const qkv = linear(`${prefix}.qkv`, d, d, false);
  switch (mssaOutput(s.arch)) {
    case 'learned-nobias':
      return [...qkv, ...linear(`${prefix}.to_out.0`, d, d, false)];
    case 'learned':
      return [...qkv, ...linear(`${prefix}.to_out.0`, d, d, true)];
    case 'fixed':
      return [...qkv, ...linear(`${prefix}.to_out.0`, d, d, true, false).map((p) => (p.name.endsWith('bias') ? { ...p, trainable: true } : p))];
    default:
      return qkv;
  }
}

function sparseCoding(s: ModelShape, prefix: string): ParamSpec[] {
  const d = s.dim;
  if (s.arch === 'vit') return [...linear(`${prefix}.net.0`, 4 * d, d, true), ...linear(`${prefix}.net.3`, d, 4 * d, true)];
  if (s.arch === 'crate-alpha') {
    const m = s.overcomplete * d;
    const dict = (name: string): ParamSpec => ({ name: `${prefix}.${name}`, shape: [d, m], init: { kind: 'kaiming-uniform', fanIn: m }, decay: true, trainable: true });
    return s.decoupled ? [dict('D'), dict('D1')] : [dict('D')];
  }
  return [{ name: `${prefix}.weight`, shape: [d, d], init: { kind: 'kaiming-uniform', fanIn: d }, decay: true, trainable: true }];
}

export function parameterSpecs(s: ModelShape): ParamSpec[] {
  const specs = embedding(s);
  for (let i = 0; i < s.depth; i++) {
    const l = `transformer.layers.${i}`;
    specs.push(...layerNorm(`${l}.0.norm`, s.dim), ...attention(s, `${l}.0.fn`));
    // An attention-only model (model/attentionStep.ts) has no second half.
    if (!s.attentionOnly) specs.push(...layerNorm(`${l}.1.norm`, s.dim), ...sparseCoding(s, `${l}.1.fn`));
  }
  specs.push(...layerNorm('mlp_head.0', s.dim), ...linear('mlp_head.1', s.classes, s.dim, true));
  return specs;
}

export function countParameters(s: ModelShape): number {
  return parameterSpecs(s).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}
