// A sweep block to its members: the grid's combinations crossed with the random points and the
// seeds, each a full config checked by the same schema and rules as any run config. A mistake is
// reported once, on the sweep value that causes it (so the editor underlines that value), never
// once per member. No tfjs here: the language server checks sweeps as the user types.
import { fieldDoc } from '../config/describe.js';
import { type PathSegment, type Problem, dottedPath } from '../config/diagnostics.js';
import type { FileProbe } from '../config/files.js';
import type { ResolvedConfig } from '../config/resolved.js';
import { resolveConfig } from '../config/resolve.js';
import { type SlurmSettings, type SweepValues, logScaleSweepFields } from '../config/schema.js';
import { show } from '../config/schemaIssues.js';
import { Rng } from '../random/rng.js';

/** More members than this are refused unless forced (`crate-lab sweep --force`). */
export const sweepMemberLimit = 1000;

/** Fields a sweep cannot set: the sweep names its members and puts them in its runs folder. */
const reservedFields = new Set(['name', 'runsDir', 'sweep']);

export interface SweepMember {
  index: number;
  /** The base name and the values that vary, e.g. "study arch=crate-c lr=0.001 seed=1". */
  name: string;
  /** The value of each varying path (dotted) for this member. */
  values: Record<string, unknown>;
  config: ResolvedConfig;
}

export interface SweepPlan {
  /** How many members the block describes. */
  count: number;
  /** The dotted paths whose values vary, in the order names list them. */
  varying: string[];
  /** Absent when count is over the limit and the expansion was not forced. */
  members?: SweepMember[];
  /** Errors (and the over-the-limit warning), placed on the sweep block's values. */
  problems: Problem[];
  /** The block's Slurm settings, when it has them (the Slurm scheduler's defaults). */
  slurm?: SlurmSettings;
}

export interface ExpandOptions {
  /** The config file: relative paths resolve against its folder. */
  file: string;
  files?: FileProbe | false;
  /** The base config's name (its `name`, or the file's). */
  baseName: string;
  /** Expand past sweepMemberLimit. */
  force?: boolean;
}

/**
 * One varying dimension: the paths it sets and, per choice, their values. A grid path or the
 * seeds set one path; the random ranges are one dimension whose choices are the drawn points.
 */
interface Axis {
  paths: string[];
  choices: unknown[][];
  /** Where choice i's value of paths[j] is written in the sweep block (for diagnostics). */
  valueAt(i: number, j: number): PathSegment[];
  /** Where paths[j] is named. */
  keyAt(j: number): PathSegment[];
}

/** A member: its choice on each axis. */
type Point = number[];

const sweepProblem = (path: PathSegment[], message: string, at: 'key' | 'value' = 'value', severity: 'error' | 'warning' = 'error'): Problem => ({
  path,
  message,
  severity,
  code: 'rule',
  at,
});

function randomAxis(random: NonNullable<SweepValues['random']>, problems: Problem[]): Axis | undefined {
  const ranges = Object.entries(random.ranges);
  const rangeAt = (j: number): PathSegment[] => ['sweep', 'random', 'ranges', ranges[j][0]];
  if (ranges.length === 0) problems.push(sweepProblem(['sweep', 'random', 'ranges'], 'needs at least one range to draw from'));
  const scales = ranges.map(([path, r]) => r.scale ?? (logScaleSweepFields.includes(path) ? 'log' : 'linear'));
  ranges.forEach(([, r], j) => {
    if (r.max < r.min) problems.push(sweepProblem([...rangeAt(j), 'max'], `must be at least min (${r.min}), got ${r.max}`));
    else if (scales[j] === 'log' && r.min <= 0) problems.push(sweepProblem([...rangeAt(j), 'min'], `a log-scale range needs min above 0, got ${r.min}`));
  });
  if (ranges.length === 0 || problems.length > 0) return undefined;
  const integer = ranges.map(([path]) => fieldDoc(path)?.values.every((spec) => spec.type === 'integer') ?? false);
  const rng = new Rng(random.seed);
  // Sample by sample, range by range: more samples keep the earlier ones.
  const choices = Array.from({ length: random.samples }, () =>
    ranges.map(([, r], j) => {
      const u = rng.next();
      const v = scales[j] === 'log' ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min);
      return integer[j] ? Math.min(r.max, Math.round(v)) : v;
    }),
  );
  return { paths: ranges.map(([path]) => path), choices, valueAt: (_i, j) => rangeAt(j), keyAt: rangeAt };
}

/** The axes of a sweep block: grid paths, then the random points, then seeds. */
function axesOf(sweep: SweepValues, problems: Problem[]): Axis[] {
  const axes: Axis[] = Object.entries(sweep.grid ?? {}).map(([path, values]) => ({
    paths: [path],
    choices: values.map((v) => [v]),
    valueAt: (i) => ['sweep', 'grid', path, i],
    keyAt: () => ['sweep', 'grid', path],
  }));
  if (sweep.grid && axes.length === 0) problems.push(sweepProblem(['sweep', 'grid'], 'the grid is empty: give at least one path and its values', 'key'));
  const random = sweep.random ? randomAxis(sweep.random, problems) : undefined;
  if (random) axes.push(random);
  if (sweep.seeds) axes.push({ paths: ['seed'], choices: sweep.seeds.map((s) => [s]), valueAt: (i) => ['sweep', 'seeds', i], keyAt: () => ['sweep', 'seeds'] });
  if (!sweep.grid && !sweep.random && !sweep.seeds) problems.push(sweepProblem(['sweep'], 'the sweep is empty: give a grid, random ranges or seeds', 'key'));
  const seen = new Set<string>();
  for (const axis of axes) {
    axis.paths.forEach((path, j) => {
      if (reservedFields.has(path.split('.')[0])) problems.push(sweepProblem(axis.keyAt(j), `a sweep cannot set ${path}: it names its members and puts them in the runs folder`, 'key'));
      else if (seen.has(path)) problems.push(sweepProblem(axis.keyAt(j), `${path} is set twice (grid, random ranges or seeds)`, 'key'));
      seen.add(path);
    });
  }
  return axes;
}

/** Every combination of the axes' choices, the last axis varying fastest. */
function points(axes: Axis[]): Point[] {
  let out: Point[] = [[]];
  for (const axis of axes) out = out.flatMap((p) => axis.choices.map((_, i) => [...p, i]));
  return out;
}

/** `input` with the value at a dotted path set; a reason when the path runs through a value that is no mapping. */
function withValue(input: Record<string, unknown>, path: string, value: unknown): string | undefined {
  const keys = path.split('.');
  let node = input;
  for (let i = 0; i < keys.length - 1; i++) {
    const next = node[keys[i]];
    if (next === undefined) node[keys[i]] = {};
    else if (next === null || typeof next !== 'object' || Array.isArray(next)) return `${keys.slice(0, i + 1).join('.')} is ${show(next)}, not a section with fields`;
    node = node[keys[i]] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = structuredClone(value);
  return undefined;
}

const shortKey = (path: string, all: string[]): string => {
  const last = path.split('.').pop()!;
  return all.filter((p) => p.split('.').pop() === last).length > 1 ? path : last;
};

const nameValue = (v: unknown): string => (typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(3))) : typeof v === 'string' ? v : JSON.stringify(v));

function memberName(base: string, values: Record<string, unknown>, varying: string[]): string {
  const parts = varying.map((p) => `${shortKey(p, varying)}=${nameValue(values[p])}`);
  // The config's name rule: no slashes or control characters, at most 100 characters.
  return `${base} ${parts.join(' ')}`.replace(/[/\\\u0000-\u001f]/g, '_').slice(0, 100);
}

export function expandSweep(input: Record<string, unknown>, sweep: SweepValues, options: ExpandOptions): SweepPlan {
  const problems: Problem[] = [];
  const axes = axesOf(sweep, problems);
  const varying = axes.flatMap((a) => a.paths);
  const count = axes.reduce((n, a) => n * a.choices.length, 1);
  if (problems.length > 0) return { count, varying, problems };
  if (count > sweepMemberLimit && !options.force) {
    const message = `${count} members, more than the limit of ${sweepMemberLimit}: crate-lab sweep refuses it unless given --force`;
    return { count, varying, problems: [sweepProblem(['sweep'], message, 'key', 'warning')] };
  }

  const { sweep: _sweep, name: _name, ...base } = input;
  const members: SweepMember[] = [];
  const all = points(axes);
  /** Per point: its config's errors (empty for a valid member). */
  const errors: Problem[][] = [];
  for (const point of all) {
    const memberInput: Record<string, unknown> = structuredClone(base);
    const values: Record<string, unknown> = {};
    const broken: Problem[] = [];
    point.forEach((i, a) =>
      axes[a].paths.forEach((path, j) => {
        values[path] = axes[a].choices[i][j];
        const why = withValue(memberInput, path, values[path]);
        if (why) broken.push(sweepProblem(axes[a].keyAt(j), `no field ${path}: ${why}`, 'key'));
      }),
    );
    const name = memberName(options.baseName, values, varying);
    memberInput.name = name;
    const r = broken.length > 0 ? { problems: broken, config: undefined } : resolveConfig(memberInput, { file: options.file, files: options.files });
    errors.push(r.problems.filter((p) => p.severity === 'error'));
    if (r.config && errors.at(-1)!.length === 0) members.push({ index: members.length, name, values, config: r.config });
  }
  problems.push(...placeErrors(axes, all, errors));
  return problems.length > 0 ? { count, varying, problems } : { count, varying, members, problems, ...(sweep.slurm && { slurm: sweep.slurm }) };
}

const problemKey = (p: Problem): string => `${dottedPath(p.path)}\u0000${p.message}`;

/**
 * Members' errors placed on the sweep values that cause them: the value of the path the error is
 * about; else every value all of whose members have the error (heads: 3 makes width 16
 * indivisible in every member); else the error's own place in the base config, naming a member
 * it happens in. Each once, however many members share it.
 */
function placeErrors(axes: Axis[], all: Point[], errors: Problem[][]): Problem[] {
  const placed = new Map<string, Problem>();
  const add = (p: Problem): void => void (placed.has(problemKey(p)) || placed.set(problemKey(p), p));
  const has = errors.map((list) => new Set(list.map(problemKey)));
  errors.forEach((list, m) => {
    const point = all[m];
    // A member's fixes name the base config's fields, which the sweep overrides: no quick fix there.
    for (const p of list.map((found): Problem => ({ ...found, fixes: undefined }))) {
      if (p.path[0] === 'sweep') {
        add(p);
        continue;
      }
      const where = dottedPath(p.path);
      const own = axes.flatMap((axis, a) => axis.paths.flatMap((path, j) => (where === path || where.startsWith(`${path}.`) ? [{ a, j, path }] : [])));
      if (own.length > 0) {
        const { a, j, path } = own[0];
        const value = axes[a].choices[point[a]][j];
        if (p.code === 'unknown-key') add({ ...p, suggestion: undefined, path: axes[a].keyAt(j), message: `no field ${path} in a run config: ${p.message}` });
        else add({ ...p, path: axes[a].valueAt(point[a], j), at: 'value', message: `${where} = ${show(value)}: ${p.message}` });
        continue;
      }
      // Values that fail this way in every member that has them.
      const causes = axes.flatMap((axis, a) =>
        axis.choices.length > 1 && all.every((q, n) => q[a] !== point[a] || has[n].has(problemKey(p))) ? [a] : [],
      );
      for (const a of causes) {
        const shown = axes[a].paths.map((path, j) => `${path} = ${show(axes[a].choices[point[a]][j])}`).join(', ');
        add({ ...p, path: axes[a].valueAt(point[a], 0), at: 'value', message: `${shown} makes ${where} invalid: ${p.message}` });
      }
      if (causes.length === 0) {
        const member = axes.flatMap((axis, a) => axis.paths.map((path, j) => `${path} = ${show(axis.choices[point[a]][j])}`)).join(', ');
        add({ ...p, message: `${p.message} (in the sweep member with ${member})` });
      }
    }
  });
  return [...placed.values()];
}
