// What the cross-field rules share while one config is resolved.
import { resolve } from 'node:path';
import type { Fix, PathSegment, Problem, ProblemCode, Severity } from './diagnostics.js';
import type { FileProbe } from './files.js';
import { valueAt } from './schemaIssues.js';

export interface RuleContext {
  /** The config as written (parsed YAML), to tell a field given by the user from a defaulted one. */
  input: unknown;
  /** Relative paths in the config are relative to its folder. */
  baseDir: string;
  /** false: no file-system checks at all. */
  files: FileProbe | false;
  problems: Problem[];
}

export const given = (ctx: RuleContext, path: readonly PathSegment[]): boolean => valueAt(ctx.input, path) !== undefined;

export const absolute = (ctx: RuleContext, path: string): string => resolve(ctx.baseDir, path);

export function report(ctx: RuleContext, path: PathSegment[], message: string, code: ProblemCode = 'rule', severity: Severity = 'error', fixes?: Fix[]): void {
  ctx.problems.push({ path, message, severity, code, at: 'value', ...(fixes?.length ? { fixes } : {}) });
}
