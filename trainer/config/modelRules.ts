// The model section: fills the shape from the size preset and the dataset, then lets the model
// zoo's resolveShape judge it. Its ShapeErrors are placed on the field the user can best change.
import { ShapeError, blockConstants, resolveShape, shapeLimits } from '../model/architecture.js';
import { datasetGeometry, datasetLabels } from './datasetFacts.js';
import type { Fix, PathSegment } from './diagnostics.js';
import type { ResolvedData, ResolvedModel } from './resolved.js';
import { type RuleContext, absolute, given, report } from './ruleContext.js';
import type { ConfigValues } from './schema.js';

type Model = ConfigValues['model'];

export function resolveModel(model: Model, data: ResolvedData, folderClasses: number | undefined, ctx: RuleContext): ResolvedModel | undefined {
  const geometry = datasetGeometry(data);
  const label = datasetLabels[data.kind];
  const before = ctx.problems.length;

  if (model.image !== undefined && model.image !== geometry.image) {
    const why = data.kind === 'image-folder' ? `data.size resizes the images to ${geometry.image}×${geometry.image}` : `${label} images are ${geometry.image}×${geometry.image}`;
    report(ctx, ['model', 'image'], `${why}: set it to ${geometry.image} or leave it out`);
  }
  if (model.channels !== undefined && model.channels !== geometry.channels) {
    const why = data.kind === 'image-folder' ? 'image folders are read as 1 (grayscale) or 3 (RGB) channels, as data.channels says' : `${label} images have ${geometry.channels} channel(s)`;
    report(ctx, ['model', 'channels'], `${why}: set it to ${geometry.channels} or leave it out`);
  }
  const datasetClasses = geometry.classes ?? folderClasses;
  if (model.classes !== undefined && datasetClasses !== undefined && model.classes < datasetClasses) {
    report(ctx, ['model', 'classes'], `${label} has ${datasetClasses} classes, more than ${model.classes}`);
  }
  const classes = model.classes ?? datasetClasses;
  if (classes === undefined && !ctx.files) {
    report(ctx, ['data', 'dir'], 'the classes of an image folder are counted on disk, which is not checked here: set model.classes');
  }

  // The synthetic set's tokens lie on its subspaces only when the model cuts the same patches.
  const syntheticPatch = data.kind === 'synthetic-subspaces' ? data.patch : undefined;
  if (syntheticPatch !== undefined && model.patch !== undefined && model.patch !== syntheticPatch) {
    report(ctx, ['model', 'patch'], `the synthetic set’s patches lie on its subspaces with patch ${syntheticPatch} (data.patch), not ${model.patch}`, 'rule', 'warning');
  }
  const patch = model.patch ?? syntheticPatch;

  if (model.size === undefined) {
    const missing = [...(['depth', 'width', 'heads'] as const).filter((k) => model[k] === undefined), ...(patch === undefined ? ['patch'] : [])];
    if (missing.length > 0) {
      ctx.problems.push({
        path: ['model'],
        message: `without a size preset the model needs ${missing.join(', ')}: give them, or a size (tiny, small, base, large, huge)`,
        severity: 'error',
        code: 'required',
        at: 'key',
      });
    }
  }
  if (classes === undefined || ctx.problems.slice(before).some((p) => p.severity === 'error')) return undefined;

  try {
    const shape = resolveShape(model.arch, model.size, {
      depth: model.depth,
      dim: model.width,
      heads: model.heads,
      patch,
      image: geometry.image,
      channels: geometry.channels,
      classes,
      overcomplete: model.overcomplete,
      decoupled: model.decoupled,
      residual: model.residual,
      attentionOnly: model.attentionOnly,
    });
    warnIneffectiveSwitches(model, ctx);
    const resolved: ResolvedModel = {
      arch: shape.arch,
      depth: shape.depth,
      width: shape.dim,
      heads: shape.heads,
      patch: shape.patch,
      image: shape.image,
      channels: shape.channels,
      classes: shape.classes,
      overcomplete: shape.overcomplete,
      decoupled: shape.decoupled,
      residual: shape.residual,
      attentionOnly: shape.attentionOnly,
      dropout: model.dropout,
    };
    if (model.size !== undefined) resolved.size = model.size;
    if (model.initFrom !== undefined) resolved.initFrom = absolute(ctx, model.initFrom);
    return resolved;
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    placeShapeError(e, model, ctx);
    return undefined;
  }
}

/** Divisors of n between 2 and n/2, the sensible patch sizes or head counts to offer. */
function divisors(n: number, limit = 8): string {
  const out: number[] = [];
  for (let d = 2; d <= n / 2 && out.length < limit; d++) if (n % d === 0) out.push(d);
  return out.join(', ');
}

/** The nearest divisor of n below `of` and the nearest above it (up to `max`), nearest first. */
function nearestDivisors(n: number, of: number, max: number): number[] {
  let below: number | undefined;
  for (let d = Math.min(of - 1, max); d >= 1 && below === undefined; d--) if (n % d === 0) below = d;
  let above: number | undefined;
  for (let d = of + 1; d <= Math.min(n, max) && above === undefined; d++) if (n % d === 0) above = d;
  return byDistance(of, [below, above]);
}

/** The nearest multiple of m below n and the nearest above it (1…max), nearest first. */
function nearestMultiples(n: number, m: number, max: number): number[] {
  const below = Math.floor(n / m) * m;
  const above = Math.ceil(n / m) * m;
  return byDistance(n, [below >= 1 ? below : undefined, above <= max ? above : undefined]);
}

const byDistance = (from: number, values: (number | undefined)[]): number[] =>
  values.filter((v): v is number => v !== undefined && v !== from).sort((a, b) => Math.abs(a - from) - Math.abs(b - from) || a - b);

/**
 * The nearest values of both fields that satisfy "width divisible by heads" (width 100, heads 3:
 * heads 2 or 4, width 99 or 102), the field the message blames first.
 */
function headsFixes(dim: number, heads: number, blamed: 'heads' | 'width'): Fix[] {
  const h = nearestDivisors(dim, heads, shapeLimits.heads).map((value) => ({ path: 'model.heads', value }));
  const w = nearestMultiples(dim, heads, shapeLimits.dim).map((value) => ({ path: 'model.width', value }));
  return blamed === 'heads' ? [...h, ...w] : [...w, ...h];
}

/**
 * resolveShape decides; this only picks where to underline and words it in the config's terms
 * (width, not dim). An explicit field is more responsible than a preset's; a preset's value is
 * blamed on `size`.
 */
function placeShapeError(e: ShapeError, model: Model, ctx: RuleContext): void {
  const blame = (...fields: Array<keyof Model>): PathSegment[] => {
    const f = fields.find((k) => given(ctx, ['model', k]));
    return f ? ['model', f] : model.size !== undefined ? ['model', 'size'] : ['model'];
  };
  const f = e.failed;
  if (f?.rule === 'heads') {
    const from = model.width === undefined ? ` (from size ${model.size})` : '';
    const at = blame('heads', 'width');
    report(ctx, at, `width ${f.dim}${from} is not divisible by heads ${f.heads}; heads that divide it: 1, ${divisors(f.dim)}`, 'rule', 'error', headsFixes(f.dim, f.heads, at[1] === 'width' ? 'width' : 'heads'));
    return;
  }
  if (f?.rule === 'patch') {
    const from = !given(ctx, ['model', 'patch']) && model.size !== undefined ? ` (patch from size ${model.size}; set model.patch)` : '';
    const fixes = nearestDivisors(f.image, f.patch, shapeLimits.patch).map((value) => ({ path: 'model.patch', value }));
    report(ctx, blame('patch'), `image size ${f.image} is not divisible by patch size ${f.patch}${from}; patch sizes that divide it: ${divisors(f.image) || '1'}`, 'rule', 'error', fixes);
    return;
  }
  report(ctx, ['model'], e.message);
}

/** CRATE-α's ODL switches mean nothing to the other architectures, nor without ODL blocks: say so when one is changed. */
function warnIneffectiveSwitches(model: Model, ctx: RuleContext): void {
  if (model.arch === 'crate-alpha' && !model.attentionOnly) return;
  const why = model.arch === 'crate-alpha' ? 'an attention-only model (attentionOnly) has no ODL block' : 'only crate-alpha has the ODL switches';
  const changed = [
    ['overcomplete', model.overcomplete !== blockConstants.defaultOvercomplete],
    ['decoupled', !model.decoupled],
    ['residual', !model.residual],
  ] as const;
  for (const [key, isChanged] of changed) {
    if (isChanged) report(ctx, ['model', key], `has no effect on ${model.arch}: ${why}`, 'rule', 'warning');
  }
}
