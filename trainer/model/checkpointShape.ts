// The model shape of a weights file (README, The CLI): command-line flags first, then the safetensors
// __metadata__, then what the tensor shapes tell; anything still unknown is a clear error.
import { type ArchId, isArchId, type ModelShape, ShapeError, type ShapeOverrides, validateShape } from './architecture.js';
import { parameterSpecs } from './parameters.js';
import type { NamedTensor, SafetensorsFile } from '../io/safetensors.js';

type Known = Partial<ModelShape>;

const integerKeys = ['image', 'patch', 'channels', 'dim', 'depth', 'heads', 'classes', 'overcomplete'] as const;
const booleanKeys = ['decoupled', 'residual', 'attentionOnly'] as const;

/** Metadata written with every checkpoint, as strings (the safetensors convention). */
export function shapeMetadata(s: ModelShape): Record<string, string> {
  const out: Record<string, string> = { arch: s.arch };
  for (const k of integerKeys) out[k] = String(s[k]);
  for (const k of booleanKeys) out[k] = String(s[k]);
  return out;
}

function fromMetadata(meta: Record<string, string>, file: string): Known {
  const known: Known = {};
  if (meta.arch !== undefined) {
    if (!isArchId(meta.arch)) throw new ShapeError(`${file}: __metadata__ arch "${meta.arch}" is not a known architecture`);
    known.arch = meta.arch;
  }
  for (const k of integerKeys) {
    if (meta[k] === undefined) continue;
    const v = Number(meta[k]);
    if (!Number.isInteger(v) || v < 1) throw new ShapeError(`${file}: __metadata__ ${k} "${meta[k]}" is not a positive integer`);
    known[k] = v;
  }
  for (const k of booleanKeys) {
    if (meta[k] === undefined) continue;
    if (meta[k] !== 'true' && meta[k] !== 'false') throw new ShapeError(`${file}: __metadata__ ${k} "${meta[k]}" is not true or false`);
    known[k] = meta[k] === 'true';
  }
  return known;
}

function inferArch(t: Map<string, NamedTensor>): ArchId | undefined {
  if (t.has('conv1.weight')) return 'crate-alpha';
  if (t.has('transformer.layers.0.0.fn.to_qkv.weight')) return 'vit';
  if (t.has('transformer.layers.0.0.fn.to_out.0.weight')) return 'crate';
  return undefined; // crate-c, crate-n, crate-t and crate-identity share one layout
}

function fromTensors(t: Map<string, NamedTensor>, arch: ArchId | undefined): Known {
  const known: Known = {};
  const cls = t.get('cls_token');
  if (cls) known.dim = cls.shape[cls.shape.length - 1];
  let depth = 0;
  while ([...t.keys()].some((k) => k.startsWith(`transformer.layers.${depth}.`))) depth++;
  if (depth > 0) {
    known.depth = depth;
    // Every layer but an attention-only model's has a second half, which starts with its LayerNorm.
    known.attentionOnly = !t.has('transformer.layers.0.1.norm.weight');
  }
  const head = t.get('mlp_head.1.weight');
  if (head) known.classes = head.shape[0];
  const conv = t.get('conv1.weight');
  const patchNorm = t.get('to_patch_embedding.1.weight');
  if (conv) {
    known.channels = conv.shape[1];
    known.patch = conv.shape[2];
  } else if (patchNorm) {
    // P·P·C with C = 1 or 3: 3P² is never a perfect square, so the two cases cannot collide.
    const len = patchNorm.shape[0];
    const c = Number.isInteger(Math.sqrt(len)) ? 1 : 3;
    const p = Math.sqrt(len / c);
    if (Number.isInteger(p)) {
      known.channels = c;
      known.patch = p;
    }
  }
  const pos = t.get('pos_embedding');
  if (pos && known.patch) {
    const side = Math.sqrt(pos.shape[1] - 1);
    if (Number.isInteger(side)) known.image = side * known.patch;
  }
  const dict = t.get('transformer.layers.0.1.fn.D');
  if (arch === 'crate-alpha' && dict && known.dim) {
    known.overcomplete = dict.shape[1] / known.dim;
    known.decoupled = t.has('transformer.layers.0.1.fn.D1');
  }
  return known;
}

/** The full shape of a weights file, or a ShapeError naming what is missing or inconsistent. */
export function checkpointShape(file: SafetensorsFile, flags: ShapeOverrides & { arch?: ArchId }, path: string): ModelShape {
  const meta = fromMetadata(file.metadata, path);
  const arch = flags.arch ?? meta.arch ?? inferArch(file.tensors);
  if (!arch) throw new ShapeError(`${path}: cannot tell the architecture (crate-c, crate-n, crate-t and crate-identity share a layout); pass --arch`);
  const guess = fromTensors(file.tensors, arch);
  const pick = <K extends keyof ShapeOverrides>(k: K): ModelShape[K] | undefined => (flags[k] ?? meta[k] ?? guess[k]) as ModelShape[K] | undefined;
  const missing: string[] = [];
  const need = (k: (typeof integerKeys)[number]): number => {
    const v = pick(k);
    if (v === undefined) missing.push(k);
    return v ?? 1;
  };
  const shape: ModelShape = {
    arch,
    image: need('image'),
    patch: need('patch'),
    channels: need('channels'),
    dim: need('dim'),
    depth: need('depth'),
    heads: need('heads'),
    classes: need('classes'),
    overcomplete: pick('overcomplete') ?? 4,
    decoupled: pick('decoupled') ?? true,
    residual: pick('residual') ?? true,
    attentionOnly: pick('attentionOnly') ?? false,
  };
  if (missing.length > 0) {
    const flagList = missing.map((k) => `--${k}`).join(', ');
    throw new ShapeError(`${path}: ${missing.join(', ')} not in the file's metadata and not inferable from its tensors; pass ${flagList}`);
  }
  try {
    validateShape(shape);
  } catch (e) {
    throw new ShapeError(`${path}: ${(e as Error).message}`);
  }
  return shape;
}

/** Checks that the file holds exactly the tensors this shape needs, with the right shapes. */
export function checkTensorsMatch(file: SafetensorsFile, s: ModelShape, path: string): void {
  const specs = parameterSpecs(s);
  const names = new Set(specs.map((p) => p.name));
  for (const spec of specs) {
    const t = file.tensors.get(spec.name);
    if (!t) throw new ShapeError(`${path}: tensor ${spec.name} is missing for ${s.arch} (dim ${s.dim}, depth ${s.depth})`);
    if (t.shape.join(',') !== spec.shape.join(',')) {
      throw new ShapeError(`${path}: tensor ${spec.name} has shape [${t.shape.join(', ')}], ${s.arch} needs [${spec.shape.join(', ')}]`);
    }
  }
  const extra = [...file.tensors.keys()].filter((k) => !names.has(k));
  if (extra.length > 0) throw new ShapeError(`${path}: unexpected tensor ${extra[0]} for ${s.arch}${extra.length > 1 ? ` (and ${extra.length - 1} more)` : ''}`);
}
