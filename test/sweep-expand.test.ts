// A config's sweep: block (trainer/sweep/expand.ts through parseConfig, as the CLI and the
// language server see it): its members, and each kind of bad input as one error on the text of
// the value that causes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Diagnostic, parseConfig } from '../trainer/config/index.js';
import { runCli } from './support/cli.js';
import { repoRoot } from './support/reference.js';

const BASE = `name: tiny
backend: wasm
model: { arch: crate, depth: 1, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 16 }
optim: { batchSize: 16, maxSteps: 4 }
`;

const parse = (text: string) => parseConfig(text, '/sweeps/tiny.crate.yaml', { files: false });

/** The diagnostic's underlined text, found by its range in `text`. */
function underlined(text: string, d: Diagnostic): string {
  const lines = text.split('\n');
  assert.equal(d.range.start.line, d.range.end.line, 'one line');
  return lines[d.range.start.line].slice(d.range.start.character, d.range.end.character);
}

/** The one error; its line (0-based) and underlined text. */
function onlyError(text: string): { message: string; line: number; text: string } {
  const r = parse(text);
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1, JSON.stringify(r.diagnostics, null, 1));
  assert.equal(r.config, undefined, 'a config with a bad sweep is no config');
  return { message: errors[0].message, line: errors[0].range.start.line, text: underlined(text, errors[0]) };
}

const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

test('grid × seeds: every combination is a member with its values applied, named by them', () => {
  const r = parse(`${BASE}sweep:\n  grid:\n    optim.lr: [0.001, 0.003]\n    model.arch: [crate-c, crate-t]\n  seeds: [0, 1, 2]\n`);
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.config, 'the base config resolves');
  const members = r.sweep?.members ?? [];
  assert.equal(r.sweep?.count, 12);
  assert.equal(members.length, 12);
  assert.deepEqual(r.sweep?.varying, ['optim.lr', 'model.arch', 'seed']);
  const seen = new Set<string>();
  for (const lr of [0.001, 0.003])
    for (const arch of ['crate-c', 'crate-t'])
      for (const seed of [0, 1, 2]) {
        const m = members.find((x) => x.config.optim.lr === lr && x.config.model.arch === arch && x.config.seed === seed);
        assert.ok(m, `member lr=${lr} arch=${arch} seed=${seed}`);
        assert.equal(m.name, `tiny lr=${lr} arch=${arch} seed=${seed}`);
        assert.deepEqual(m.values, { 'optim.lr': lr, 'model.arch': arch, seed });
        // Everything else is the base config's.
        assert.equal(m.config.model.width, 16);
        assert.equal(m.config.optim.maxSteps, 4);
        seen.add(m.name);
      }
  assert.equal(seen.size, 12);
  assert.equal(r.config.name, 'tiny');
  assert.ok(!('sweep' in r.config), 'the resolved config (a run config) carries no sweep block');
});

test('a grid path that does not exist: one error on that path, with the field it probably meant', () => {
  const text = `${BASE}sweep:\n  grid:\n    optim.lrr: [0.001, 0.003]\n  seeds: [0, 1]\n`;
  const e = onlyError(text);
  assert.equal(e.line, lineOf(text, 'optim.lrr'));
  assert.equal(e.text, 'optim.lrr');
  assert.match(e.message, /no field optim\.lrr .*Did you mean "lr"/);
  // A path through a value that has no fields.
  const through = `${BASE}sweep:\n  grid:\n    model.arch.kind: [a]\n`;
  const t = onlyError(through);
  assert.equal(t.text, 'model.arch.kind');
  assert.match(t.message, /model\.arch is "crate", not a section/);
});

test('a value that makes members invalid: one error on that value, however many members it is in', () => {
  const text = `${BASE}sweep:\n  grid:\n    optim.lr: [0.001, 20, 0.003]\n    model.arch: [crate-c, crate-n]\n  seeds: [0, 1, 2]\n`;
  const e = onlyError(text);
  assert.equal(e.line, lineOf(text, 'optim.lr:'));
  assert.equal(e.text, '20');
  assert.match(e.message, /optim\.lr = 20: must be at most 10, got 20/);
  // A rule across fields: heads 3 does not divide the base's width 16, in every member that has it.
  const heads = `${BASE}sweep:\n  grid:\n    model.heads: [2, 3]\n    optim.lr: [0.001, 0.003]\n`;
  const h = onlyError(heads);
  assert.equal(h.text, '3');
  assert.equal(h.line, lineOf(heads, 'model.heads'));
  assert.match(h.message, /not divisible by heads 3/);
  // An error on a field the sweep does not set, caused by one value in every member that has it.
  const batch = `${BASE.replace('batchSize: 16', 'batchSize: 16, microBatch: 16')}sweep:\n  grid:\n    optim.batchSize: [16, 8, 32]\n  seeds: [0, 1]\n`;
  const b = onlyError(batch);
  assert.equal(b.line, lineOf(batch, 'optim.batchSize:'));
  assert.equal(b.text, '8');
  assert.match(b.message, /optim\.batchSize = 8 makes optim\.microBatch invalid: must be at most batchSize \(8\), got 16/);
  // Seeds are values too.
  const seeds = `${BASE}sweep:\n  seeds: [0, -1]\n`;
  const s = onlyError(seeds);
  assert.equal(s.text, '-1');
});

test('an empty grid, an empty value list, an empty sweep: one error each, on the block', () => {
  const grid = `${BASE}sweep:\n  grid: {}\n`;
  const g = onlyError(grid);
  assert.equal(g.text, 'grid');
  assert.match(g.message, /the grid is empty/);
  const list = `${BASE}sweep:\n  grid:\n    optim.lr: []\n`;
  const l = onlyError(list);
  assert.equal(l.line, lineOf(list, 'optim.lr'));
  assert.match(l.message, /needs at least 1 item/);
  const none = `${BASE}sweep: {}\n`;
  const n = onlyError(none);
  assert.equal(n.text, 'sweep');
  assert.match(n.message, /the sweep is empty/);
  const reserved = `${BASE}sweep:\n  grid:\n    runsDir: [a, b]\n`;
  assert.match(onlyError(reserved).message, /cannot set runsDir/);
});

test('random search: seeded draws inside the ranges, log-uniform for rates, whole numbers for integer fields', () => {
  const text = (seed: number) =>
    `${BASE}sweep:\n  random:\n    samples: 400\n    seed: ${seed}\n    ranges:\n      optim.lr: { min: 0.0001, max: 0.1 }\n      optim.batchSize: { min: 8, max: 64 }\n`;
  const a = parse(text(7)).sweep?.members;
  assert.ok(a);
  assert.equal(a.length, 400);
  const lrs = a.map((m) => m.config.optim.lr);
  assert.ok(lrs.every((v) => v >= 1e-4 && v <= 0.1));
  // Log-uniform: each decade of [1e-4, 1e-1] holds about a third of the draws (uniform would put ~90% in the last).
  for (const [lo, hi] of [[1e-4, 1e-3], [1e-3, 1e-2], [1e-2, 1e-1]]) {
    const share = lrs.filter((v) => v >= lo && v < hi).length / lrs.length;
    assert.ok(share > 0.25 && share < 0.42, `share in [${lo}, ${hi}): ${share}`);
  }
  const batches = a.map((m) => m.config.optim.batchSize);
  assert.ok(batches.every((b) => Number.isInteger(b) && b >= 8 && b <= 64));
  // The same seed draws the same points; another seed, others.
  assert.deepEqual(parse(text(7)).sweep?.members?.map((m) => m.values), a.map((m) => m.values));
  assert.notDeepEqual(parse(text(8)).sweep?.members?.map((m) => m.values), a.map((m) => m.values));
  const zero = `${BASE}sweep:\n  random:\n    samples: 2\n    ranges:\n      optim.lr: { min: 0, max: 0.1 }\n`;
  const z = onlyError(zero);
  assert.equal(z.line, lineOf(zero, 'min: 0,'));
  assert.match(z.message, /log-scale range needs min above 0/);
});

test('more members than the limit: a warning in the editor, refused by crate-lab sweep unless --force', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-sweep-limit-'));
  const values = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
  const text = `${BASE}sweep:\n  grid:\n    seed: ${values(40)}\n    data.seed: ${values(30)}\n`;
  const r = parse(text);
  assert.equal(r.sweep?.count, 1200);
  assert.equal(r.sweep?.members, undefined);
  assert.deepEqual(r.diagnostics.map((d) => d.severity), ['warning']);
  assert.match(r.diagnostics[0].message, /1200 members, more than the limit of 1000/);
  const file = join(dir, 'big.crate.yaml');
  writeFileSync(file, text);
  const refused = runCli(['sweep', file, '--dry-run']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /1200 members, more than the limit of 1000; give --force/);
  const forced = runCli(['sweep', file, '--dry-run', '--force', '--json']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.equal((JSON.parse(forced.stdout) as { members: unknown[] }).members.length, 1200);
  // Ten thousand: counted, not expanded, and refused the same way.
  const huge = `${BASE}sweep:\n  grid:\n    seed: ${values(100)}\n    data.seed: ${values(100)}\n`;
  const h = parse(huge);
  assert.equal(h.sweep?.count, 10_000);
  assert.equal(h.sweep?.members, undefined);
  assert.match(h.diagnostics[0].message, /10000 members, more than the limit of 1000/);
});

test('the Slurm settings of a sweep block: each bad one an error on its value; good ones go to the scheduler, flags over them', () => {
  const bad: [string, string, RegExp][] = [
    ['time: soon', 'soon', /must be a Slurm time limit/],
    ['cpusPerTask: 0', '0', /at least 1|>=1|too small/i],
    ['partition: "-x"', '"-x"', /must be a Slurm partition name/],
    ['extraArgs: ["--mem=8G", "--array=1-9"]', '"--array=1-9"', /may not set what crate-lab sets itself \(--array, /],
    ['qos: high', 'qos', /unknown|not allowed|Unrecognized/i],
  ];
  for (const [setting, underlinedText, message] of bad) {
    const text = `${BASE}sweep:\n  seeds: [0, 1]\n  slurm: { ${setting} }\n`;
    const e = onlyError(text);
    assert.equal(e.line, lineOf(text, 'slurm:'), setting);
    assert.equal(e.text, underlinedText, setting);
    assert.match(e.message, message, setting);
  }
  const dir = mkdtempSync(join(tmpdir(), 'crate-sweep-slurm-settings-'));
  const file = join(dir, 'gpu.crate.yaml');
  writeFileSync(file, `${BASE.replace('backend: wasm', 'backend: webgpu')}threads: 4\nsweep:\n  seeds: [0, 1]\n  slurm: { partition: gpu, account: lab, time: "1-00:00", extraArgs: ["--qos=high"] }\n`);
  const settings = (...flags: string[]) => {
    const r = runCli(['sweep', file, '--scheduler', 'slurm', '--dry-run', '--json', ...flags]);
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { slurm: unknown }).slurm;
  };
  // CPUs default to the config's threads; a GPU backend asks for a GPU.
  assert.deepEqual(settings(), { partition: 'gpu', account: 'lab', time: '1-00:00', cpusPerTask: 4, gres: 'gpu:1', extraArgs: ['--qos=high'] });
  assert.deepEqual(settings('--partition', 'a100', '--time', '30', '--cpus-per-task', '8', '--sbatch-arg=--mem=8G', '--sbatch-arg=--nice'), {
    partition: 'a100',
    account: 'lab',
    time: '30',
    cpusPerTask: 8,
    gres: 'gpu:1',
    extraArgs: ['--mem=8G', '--nice'],
  });
});

test('crate-lab sweep prints each bad value as file:line:col and exits 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-sweep-bad-'));
  const file = join(dir, 'bad.crate.yaml');
  const text = `${BASE}sweep:\n  grid:\n    optim.lr: [0.001, 20]\n`;
  writeFileSync(file, text);
  const r = runCli(['sweep', file, '--dry-run']);
  assert.equal(r.status, 2);
  const line = lineOf(text, 'optim.lr') + 1;
  const col = text.split('\n')[line - 1].indexOf('20') + 1;
  assert.equal(r.stderr.trim(), `${file}:${line}:${col}: sweep.grid.optim.lr.1: optim.lr = 20: must be at most 10, got 20`);
});

test('examples/srr-study.crate.yaml expands (dry run) into the study grid', () => {
  const r = runCli(['sweep', join(repoRoot, 'examples', 'srr-study.crate.yaml'), '--dry-run', '--json', '--parallel', '2']);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout) as { count: number; varying: string[]; members: { values: Record<string, unknown> }[] };
  assert.deepEqual(plan.varying, ['model.arch', 'optim.batchSize', 'optim.lr']);
  assert.deepEqual([...new Set(plan.members.map((m) => m.values['model.arch']))].sort(), ['crate', 'crate-c', 'crate-n', 'crate-t']);
  assert.equal(plan.count, plan.members.length);
  assert.equal(plan.count, 4 * 2 * 2);
});

test('examples/attention-only.crate.yaml and srr-regularizer.crate.yaml expand (dry run) into their experiments (docs/study.md)', () => {
  const plan = (file: string) => {
    const r = runCli(['sweep', join(repoRoot, 'examples', file), '--dry-run', '--json', '--parallel', '2']);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { varying: string[]; members: { values: Record<string, unknown> }[] };
  };
  const attention = plan('attention-only.crate.yaml');
  assert.deepEqual(attention.members.map((m) => m.values), [{ 'model.arch': 'crate' }, { 'model.arch': 'crate-c' }, { 'model.arch': 'crate-n' }]);
  assert.match(readFileSync(join(repoRoot, 'examples', 'attention-only.crate.yaml'), 'utf8'), /^ {2}attentionOnly: true$/m);
  const regularizer = plan('srr-regularizer.crate.yaml');
  assert.deepEqual(regularizer.varying, ['model.arch', 'srr']);
  assert.deepEqual(
    regularizer.members.map((m) => [m.values['model.arch'], m.values.srr]),
    ['crate', 'crate-n'].flatMap((arch) => [[arch, { weight: 0 }], [arch, { weight: 0.01, layers: [1] }], [arch, { weight: 0.01, layers: 'random' }]]),
  );
});

test('bad sweep arguments: one line on stderr naming what is wrong, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crate-sweep-args-'));
  const plain = join(dir, 'plain.crate.yaml');
  writeFileSync(plain, BASE);
  const swept = join(dir, 'swept.crate.yaml');
  writeFileSync(swept, `${BASE}sweep:\n  seeds: [0, 1]\n`);
  const cases: [string[], RegExp][] = [
    [['sweep', plain, '--dry-run'], /plain\.crate\.yaml has no sweep: block/],
    [['sweep', swept, '--scheduler', 'pbs'], /--scheduler must be one of local, slurm, got "pbs"/],
    [['sweep', swept, '--parallel', '0'], /--parallel/],
    [['sweep', 'status', join(dir, 'nowhere')], /nowhere is neither a sweep folder \(with sweep\.json\) nor a sweep id/],
    [['sweep', 'status', dir, '--timeout', '3'], /--timeout is an option of sweep stop/],
    [['train', swept, '--sweep-member', 'x'], /--sweep-member takes SWEEP_ID:INDEX/],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
