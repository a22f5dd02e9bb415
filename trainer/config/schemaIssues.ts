// zod's issues, reworded as one Problem per offending field: plain messages that show the value
// given, with "did you mean" for typos. zod's own wording ("Invalid input: expected int,
// received number") is only used where the schema wrote a message of its own.
import type { z } from 'zod';
import { childFields, describeSchema, fieldDoc } from './describe.js';
import { type PathSegment, type Problem, dottedPath } from './diagnostics.js';
import { closest } from './suggest.js';

type Issue = z.core.$ZodIssue;

/** The value at a path of the parsed YAML, or undefined. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathSegment, unknown>)[seg];
  }
  return v;
}

/** A value as the message quotes it. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const typeNames: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping (key: value)',
};

/** Why a value of the wrong type was probably written, when there is a common reason. */
function typeHint(expected: string, v: unknown): string {
  if (expected === 'boolean' && typeof v === 'string' && /^(yes|no|on|off|y|n)$/i.test(v)) return ' (YAML 1.2 reads yes/no/on/off as text: write true or false)';
  if ((expected === 'number' || expected === 'int') && typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return ' (it is quoted, so it is text: remove the quotes)';
  return '';
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function rangeMessage(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>, v: unknown): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum);
  switch (issue.origin) {
    case 'array':
    case 'set':
      return small ? `needs at least ${plural(limit, 'item')}` : `takes at most ${plural(limit, 'item')}`;
    case 'string':
      return small ? (limit === 1 ? 'must not be empty' : `needs at least ${plural(limit, 'character')}`) : `takes at most ${plural(limit, 'character')}`;
    default: {
      const bound = small ? (issue.inclusive ? 'at least' : 'greater than') : issue.inclusive ? 'at most' : 'less than';
      return `must be ${bound} ${limit}, got ${show(v)}`;
    }
  }
}

function enumProblem(path: PathSegment[], values: readonly unknown[], v: unknown): Problem {
  const options = values.map(String);
  const suggestion = typeof v === 'string' ? closest(v, options) : undefined;
  const message =
    options.length === 1
      ? `must be ${show(values[0])}, got ${show(v)}`
      : `expected one of ${options.join(', ')}; got ${show(v)}${suggestion ? `. Did you mean "${suggestion}"?` : ''}`;
  return { path, message, severity: 'error', code: 'enum', at: 'value', ...(suggestion ? { suggestion } : {}) };
}

/** An unknown key: the closest sibling, or the section it belongs in when it exists elsewhere. */
function unknownKeyProblem(parent: PathSegment[], key: string, input: unknown): Problem {
  const where = dottedPath(parent.filter((s) => typeof s === 'string'));
  const kind = valueAt(input, ['data', 'kind']);
  const siblings = childFields(where, typeof kind === 'string' ? kind : undefined).map((f) => f.key);
  const suggestion = closest(key, siblings);
  let hint = suggestion ? `. Did you mean "${suggestion}"?` : '';
  if (!suggestion) {
    const elsewhere = describeSchema().find((f) => f.key === key && f.path !== (where ? `${where}.${key}` : key));
    if (elsewhere) hint = `; it belongs in ${elsewhere.path.slice(0, -key.length - 1) || 'the top level'} (${elsewhere.path})`;
  }
  return {
    path: [...parent, key],
    message: `unknown field "${key}"${where ? ` in ${where}` : ''}${hint}`,
    severity: 'error',
    code: 'unknown-key',
    at: 'key',
    ...(suggestion ? { suggestion } : {}),
  };
}

/** The branch of a failed union that the value was evidently meant for: one whose issues are all inside the value. */
function intendedBranch(branches: Issue[][]): Issue[] | undefined {
  return branches.find((issues) => issues.length > 0 && issues.every((i) => i.path.length > 0));
}

function problemsOf(issue: Issue, prefix: PathSegment[], input: unknown): Problem[] {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  const v = valueAt(input, path);
  const key = path[path.length - 1];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => unknownKeyProblem(path, k, input));
    case 'invalid_type': {
      if (path.length === 0) {
        const message = v === undefined || v === null ? 'the config is empty: it needs at least model and data' : `a run config is a mapping of fields (model:, data:, …), got ${show(v)}`;
        return [{ path, message, severity: 'error', code: 'type', at: 'value' }];
      }
      if (v === undefined) return [{ path, message: `missing required field "${String(key)}"`, severity: 'error', code: 'required', at: 'key' }];
      // zod checks "number" before "integer": name the integer when the field is one.
      const integer = issue.expected === 'number' && fieldDoc(dottedPath(path))?.values.every((s) => s.type === 'integer');
      const expected = typeNames[integer ? 'int' : issue.expected] ?? issue.expected;
      return [{ path, message: `expected ${expected}, got ${show(v)}${typeHint(issue.expected, v)}`, severity: 'error', code: 'type', at: 'value' }];
    }
    case 'too_small':
    case 'too_big':
      return [{ path, message: rangeMessage(issue, v), severity: 'error', code: 'range', at: 'value' }];
    case 'invalid_value':
      return [enumProblem(path, issue.values, v)];
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator) {
        const options = (issue as { options?: unknown[] }).options ?? [];
        if (v === undefined) return [{ path, message: `missing required field "${String(key)}": one of ${options.join(', ')}`, severity: 'error', code: 'required', at: 'key' }];
        return [enumProblem(path, options, v)];
      }
      const branch = intendedBranch(issue.errors);
      if (branch) return branch.flatMap((i) => problemsOf(i, path, input));
      const literals = issue.errors.flat().flatMap((i) => (i.code === 'invalid_value' ? i.values : []));
      const suggestion = typeof v === 'string' ? closest(v, literals.map(String)) : undefined;
      return [
        {
          path,
          message: `${issue.message}, got ${show(v)}${suggestion ? `. Did you mean "${suggestion}"?` : ''}`,
          severity: 'error',
          code: 'type',
          at: 'value',
          ...(suggestion ? { suggestion } : {}),
        },
      ];
    }
    default:
      // Messages the schema wrote itself (refinements, patterns).
      return [{ path, message: `${issue.message}, got ${show(v)}`, severity: 'error', code: 'range', at: 'value' }];
  }
}

/** zod's safe-integer bound on every integer, reported alongside the field's own range. */
const isSafeIntegerNote = (i: Issue): boolean => (i.code === 'too_big' || i.code === 'too_small') && i.origin === 'int';

/** One Problem per offending path (zod may report several checks of one value). */
export function problemsFromIssues(issues: readonly Issue[], input: unknown): Problem[] {
  const byPath = new Map<string, Problem>();
  const ordered = [...issues.filter((i) => !isSafeIntegerNote(i)), ...issues.filter(isSafeIntegerNote)];
  for (const issue of ordered) {
    for (const p of problemsOf(issue, [], input)) {
      const id = JSON.stringify(p.path);
      if (!byPath.has(id)) byPath.set(id, p);
    }
  }
  return [...byPath.values()];
}
