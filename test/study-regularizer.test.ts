// The SRR regularizer's table (issue 15, item 6; the last table of the SRR study, Hu, Zou & Xu 2024): per model type and
// regularizer setting (off, fixed layers, a random layer per step) the mean final held-out
// accuracy, the change against off and n, from hand-made runs whose accuracies are chosen, worked
// out here by hand; through crate-lab study's JSON, text and --table regularizer CSV/LaTeX.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../trainer/cli/dispatch.js';
import { type HandRun, handRun } from './support/handRuns.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-regularizer-'));

async function study(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['study', ...argv], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

/** One CSV line's fields (RFC 4180 quoting: the setting labels hold commas). */
function csvFields(line: string): string[] {
  return [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
}

const random = { weight: 0.1, layers: 'random' as const };
const fixed = { weight: 0.1, layers: [1, 3] };
const specs: HandRun[] = [
  { name: 'c-off-1', arch: 'crate', accuracy: 0.6, heldOut: 1, train: [0.5], measures: {} },
  { name: 'c-off-2', arch: 'crate', accuracy: 0.64, heldOut: 1, train: [0.4], measures: {} },
  { name: 'c-rand', arch: 'crate', accuracy: 0.66, srr: random, heldOut: 1, train: [0.3], measures: {} },
  // A completed run with a validation part ends with a test evaluation: that is its final accuracy.
  { name: 'c-fixed', arch: 'crate', accuracy: 0.1, finalTestAccuracy: 0.71, srr: fixed, heldOut: 1, train: [0.2], measures: {} },
  { name: 'n-off', arch: 'crate-n', accuracy: 0.5, srr: { weight: 0, layers: [2] }, heldOut: 1, train: [0.5], measures: {} },
  { name: 'n-rand-1', arch: 'crate-n', accuracy: 0.52, srr: random, heldOut: 1, train: [0.5], measures: {} },
  { name: 'n-rand-2', arch: 'crate-n', accuracy: 0.58, srr: random, heldOut: 1, train: [0.5], measures: {} },
  // No run of crate-t without the regularizer: no change to show.
  { name: 't-rand', arch: 'crate-t', accuracy: 0.4, srr: random, heldOut: 1, train: [0.5], measures: {} },
];

test('the regularizer table: mean final accuracy, change against off and n per model type and setting', async () => {
  const dirs = specs.map((s) => handRun(tmp, s));
  const r = await study(...dirs, '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout).regularizer;
  // off (srr.weight 0 is off, whatever its layers), then fixed layers, then random.
  assert.deepEqual(t.settings.map((s: { label: string }) => s.label), ['off', 'layers 1, 3, weight 0.1', 'random layer, weight 0.1']);
  assert.deepEqual(t.rows.map((x: { modelType: string }) => x.modelType), ['crate', 'crate-n', 'crate-t']);
  assert.deepEqual(t.splits, ['test', 'validation']);
  assert.equal(t.used, true);
  const close = (got: number | null, want: number, what: string) => assert.ok(got !== null && Math.abs(got - want) < 1e-12, `${what}: ${got} ≠ ${want}`);
  const [crate, crateN, crateT] = t.rows.map((x: { cells: unknown[] }) => x.cells);
  const cOff = (0.6 + 0.64) / 2;
  close(crate[0].accuracy, cOff, 'crate off');
  assert.equal(crate[0].runs, 2);
  assert.equal(crate[0].change, null);
  close(crate[1].accuracy, 0.71, 'crate fixed (its final test accuracy)');
  close(crate[1].change, 0.71 - cOff, 'crate fixed change');
  close(crate[2].change, 0.66 - cOff, 'crate random change');
  assert.equal(crateN[1], null, 'no crate-n run on fixed layers');
  close(crateN[2].accuracy, (0.52 + 0.58) / 2, 'crate-n random');
  assert.equal(crateN[2].runs, 2);
  close(crateN[2].change, (0.52 + 0.58) / 2 - 0.5, 'crate-n random change');
  assert.deepEqual([crateT[0], crateT[1]], [null, null]);
  assert.equal(crateT[2].change, null, 'no crate-t run without the regularizer');

  // Text: after the τ table, the same figures in percent and percentage points.
  const text = await study(...dirs);
  assert.equal(text.code, 0, text.stderr);
  const line = text.stdout.split('\n').find((l) => l.startsWith('crate-n '))!;
  assert.match(line, /^crate-n\s+50\.00% \(n=1\)\s+—\s+55\.00% \(\+5\.00, n=2\)$/);
  assert.match(text.stdout, /^crate\s+62\.00% \(n=2\)\s+71\.00% \(\+9\.00, n=1\)\s+66\.00% \(\+4\.00, n=1\)$/m);
  // CSV and LaTeX of this table on request; the τ table stays the default.
  const csv = (await study(...dirs, '--format', 'csv', '--table', 'regularizer')).stdout.trim().split('\n').map(csvFields);
  assert.equal(csv[0][0], 'model type');
  const crateRow = csv.find((l) => l[0] === 'crate')!;
  close(Number(crateRow[csv[0].indexOf('random layer, weight 0.1 change')]), 0.66 - cOff, 'csv change');
  assert.equal(crateRow[csv[0].indexOf('off change')], '');
  const latex = (await study(...dirs, '--format', 'latex', '--table', 'regularizer')).stdout;
  assert.match(latex, /^crate-n & \$50\.00\$ \{\\scriptsize \(\$n\{=\}1\$\)\} & -- & \$55\.00\$ \{\\scriptsize \(\+5\.00\)\} /m);
  assert.match((await study(...dirs, '--format', 'csv')).stdout, /^measure,/);
  const bad = await study(...dirs, '--table', 'regularizer');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--table picks the table of --format csv or latex/);
});

test('without any run of the regularizer on, the text shows no regularizer table', async () => {
  const parent = join(tmp, 'plain');
  const dirs = specs.slice(0, 2).map((s) => handRun(parent, s));
  const text = await study(...dirs);
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stdout, /SRR regularizer/);
  const t = JSON.parse((await study(...dirs, '--json')).stdout).regularizer;
  assert.equal(t.used, false);
});
