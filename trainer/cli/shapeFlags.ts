// The model-shape flags shared by inspect, bench, infer and metrics.
import { type ArchId, isArchId, isSizeId, type ShapeOverrides, type SizeId, archIds, sizeIds } from '../model/architecture.js';
import { UsageError } from './usageError.js';

export const shapeOptions = {
  arch: { type: 'string' },
  size: { type: 'string' },
  image: { type: 'string' },
  patch: { type: 'string' },
  channels: { type: 'string' },
  classes: { type: 'string' },
  depth: { type: 'string' },
  width: { type: 'string' },
  dim: { type: 'string' },
  heads: { type: 'string' },
  overcomplete: { type: 'string' },
  'no-decoupled': { type: 'boolean' },
  'no-residual': { type: 'boolean' },
  'attention-only': { type: 'boolean' },
} as const;

export type ShapeFlagValues = { [K in keyof typeof shapeOptions]?: (typeof shapeOptions)[K]['type'] extends 'string' ? string : boolean };

/** Decimal digits only: Number() would also take "", " ", "0x10", "1e3" and "-0". */
function wholeNumber(name: string, value: string | undefined, min: 0 | 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be a ${min === 1 ? 'positive' : 'non-negative'} integer, got "${value}"`);
  return n;
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  return wholeNumber(name, value, 1);
}

export function nonNegativeInt(name: string, value: string | undefined): number | undefined {
  return wholeNumber(name, value, 0);
}

export function parseArch(value: string | undefined): ArchId | undefined {
  if (value === undefined) return undefined;
  if (!isArchId(value)) throw new UsageError(`--arch must be one of ${archIds.join(', ')}; got "${value}"`);
  return value;
}

export function parseSize(value: string | undefined): SizeId | undefined {
  if (value === undefined) return undefined;
  if (!isSizeId(value)) throw new UsageError(`--size must be one of ${sizeIds.join(', ')}; got "${value}"`);
  return value;
}

export function shapeOverrides(v: ShapeFlagValues): ShapeOverrides {
  if (v.width !== undefined && v.dim !== undefined && v.width !== v.dim) throw new UsageError('--width and --dim disagree (they are the same setting)');
  const o: ShapeOverrides = {
    image: positiveInt('image', v.image),
    patch: positiveInt('patch', v.patch),
    channels: positiveInt('channels', v.channels),
    classes: positiveInt('classes', v.classes),
    depth: positiveInt('depth', v.depth),
    dim: positiveInt(v.width !== undefined ? 'width' : 'dim', v.width ?? v.dim),
    heads: positiveInt('heads', v.heads),
    overcomplete: positiveInt('overcomplete', v.overcomplete),
    decoupled: v['no-decoupled'] ? false : undefined,
    residual: v['no-residual'] ? false : undefined,
    attentionOnly: v['attention-only'] ? true : undefined,
  };
  for (const k of Object.keys(o) as Array<keyof ShapeOverrides>) if (o[k] === undefined) delete o[k];
  return o;
}
