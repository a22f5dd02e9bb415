// From parsed YAML to a ResolvedConfig: the schema first, then the rules across fields and the
// computed defaults. When the schema rejects some sections the others are still checked, so an
// editor shows every mistake at once; a config is only produced when there is no error.
import { basename, dirname, resolve } from 'node:path';
import { resolveData } from './dataRules.js';
import type { PathSegment, Problem } from './diagnostics.js';
import { type FileProbe, nodeFileProbe } from './files.js';
import { resolveModel } from './modelRules.js';
import type { ResolvedConfig, ResolvedOptim } from './resolved.js';
import { type RuleContext, absolute, given, report } from './ruleContext.js';
import { type ConfigValues, type SweepValues, configSchema } from './schema.js';
import { problemsFromIssues } from './schemaIssues.js';

export interface ResolveOptions {
  /** The config file's path: relative paths resolve against its folder; `name` defaults to its name. */
  file: string;
  /** How to look at the disk (default: the real one); false skips every file-system check. */
  files?: FileProbe | false;
}

export interface Resolution {
  /** Present exactly when no problem is an error. */
  config?: ResolvedConfig;
  /** The config's sweep block, when it has one and config is present (its members: sweep/expand.ts). */
  sweep?: SweepValues;
  problems: Problem[];
}

/** Run name from the file name: runs/mnist.crate.yaml → "mnist". */
export function nameFromFile(file: string): string {
  const name = basename(file).replace(/(\.crate)?\.ya?ml$/i, '');
  return (name || 'run').slice(0, 100);
}

/** The sections that pass the schema on their own, for the rules to check when the whole does not. */
function validSections(input: unknown): Partial<ConfigValues> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const r = schema.safeParse((input as Record<string, unknown>)[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<ConfigValues>;
}

export function resolveConfig(input: unknown, options: ResolveOptions): Resolution {
  const parsed = configSchema.safeParse(input);
  const ctx: RuleContext = {
    input,
    baseDir: dirname(resolve(options.file)),
    files: options.files ?? nodeFileProbe,
    problems: parsed.success ? [] : problemsFromIssues(parsed.error.issues, input),
  };
  const v = parsed.success ? parsed.data : validSections(input);

  const data = v.data ? resolveData(v.data, v.model, ctx) : undefined;
  const model = v.model && data ? resolveModel(v.model, data.data, data.folderClasses, ctx) : undefined;
  const optim = v.optim ? resolveOptim(v.optim, ctx) : undefined;
  if (model && v.srr) checkLayers(['srr', 'layers'], v.srr.layers, model.depth, ctx);
  if (model && v.introspect) checkLayers(['introspect', 'layers'], v.introspect.layers, model.depth, ctx);
  const runsDir = v.runsDir !== undefined ? absolute(ctx, v.runsDir) : undefined;
  if (runsDir && ctx.files && ctx.files.kind(runsDir) === 'file') report(ctx, ['runsDir'], `${runsDir} is a file, not a folder`, 'path');

  if (!parsed.success || !model || !data || !optim || !runsDir || ctx.problems.some((p) => p.severity === 'error')) return { problems: ctx.problems };
  // A sweep block describes other runs (its members, sweep/expand.ts), not this one.
  const { sweep, ...values } = parsed.data;
  const config: ResolvedConfig = {
    ...values,
    name: values.name ?? nameFromFile(options.file),
    model,
    data: data.data,
    optim,
    runsDir,
  };
  return sweep ? { config, sweep, problems: ctx.problems } : { config, problems: ctx.problems };
}

function resolveOptim(o: ConfigValues['optim'], ctx: RuleContext): ResolvedOptim {
  const microBatch = o.microBatch ?? o.batchSize;
  if (microBatch > o.batchSize) report(ctx, ['optim', 'microBatch'], `must be at most batchSize (${o.batchSize}), got ${microBatch}`);
  if (o.minLr > o.lr) report(ctx, ['optim', 'minLr'], `must be at most lr (${o.lr}), got ${o.minLr}`);
  // epochs defaults to 10 only when maxSteps does not bound the run.
  const maxSteps = o.maxSteps ?? 0;
  const epochs = o.epochs ?? (maxSteps > 0 ? 0 : 10);
  if (epochs === 0 && maxSteps === 0) {
    const at = given(ctx, ['optim', 'epochs']) ? 'epochs' : 'maxSteps';
    report(ctx, ['optim', at], 'the run would never end: set epochs or maxSteps above 0');
  }
  if (o.warmup >= 1 && maxSteps > 0 && o.warmup >= maxSteps) {
    report(ctx, ['optim', 'warmup'], `the warm-up (${o.warmup} steps) is as long as the whole run (maxSteps ${maxSteps})`, 'rule', 'warning');
  }
  return { ...o, microBatch, epochs, maxSteps };
}

function checkLayers(path: PathSegment[], layers: number[] | string, depth: number, ctx: RuleContext): void {
  if (typeof layers === 'string') return;
  layers.forEach((layer, i) => {
    if (layer >= depth) report(ctx, [...path, i], `layer ${layer} does not exist: the model has ${depth} layers (0–${depth - 1})`, 'range');
    else if (layers.indexOf(layer) < i) report(ctx, [...path, i], `layer ${layer} is listed twice`);
  });
}
