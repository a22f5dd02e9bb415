#!/usr/bin/env node
// Benchmarks (not timed tests): `npm run bench [-- NAME…]`, NAME in model, quality, ablation,
// introspection; or `npm run bench -- vs-torch [options]` (scripts/bench-vs-torch.mjs). Each
// prints its figures; docs/performance.md records them with this command.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vsTorch } from './bench-vs-torch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'trainer', 'cli.js');

function crateLab(args, { json = true } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`crate-lab ${args.join(' ')} failed: ${r.stderr}`);
  return json ? r.stdout.trim().split('\n').map((l) => JSON.parse(l)) : r.stdout;
}

/** Issue 2's target: CRATE-α d=192, depth 12, 3 heads, 28×28×1, patch 4, batch 64. */
function model() {
  const args = ['bench', '--arch', 'crate-alpha', '--depth', '12', '--width', '192', '--heads', '3', '--image', '28', '--patch', '4', '--channels', '1', '--batch', '64', '--steps', '5', '--json'];
  for (const backend of ['wasm', 'cpu']) {
    if (backend === 'cpu' && !process.argv.includes('--with-cpu')) continue;
    const [r] = crateLab([...args, '--backend', backend]);
    console.log(JSON.stringify({ bench: 'model', ...r, shape: undefined }));
  }
}

/** Trains a config to its end and reports time, steps and the final evaluation. */
function trainConfig(file, extra = []) {
  const runsDir = mkdtempSync(join(tmpdir(), 'crate-bench-'));
  const t0 = Date.now();
  const lines = crateLab(['train', file, '--runs-dir', runsDir, '--json', ...extra]);
  const seconds = (Date.now() - t0) / 1000;
  const end = lines.at(-1);
  const runDir = join(runsDir, readdirSync(runsDir)[0]);
  const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const evals = events.filter((e) => e.type === 'eval');
  const scalars = events.filter((e) => e.type === 'scalars');
  const layers = events.filter((e) => e.type === 'layers').length;
  return { config: file, status: end.status, steps: end.step, seconds, finalAccuracy: evals.at(-1)?.accuracy, finalLoss: scalars.at(-1)?.loss, evals: evals.map((e) => [e.step, e.accuracy]), introspections: layers, runDir };
}

function quality() {
  console.log(JSON.stringify({ bench: 'quality', ...trainConfig(join(root, 'examples', 'fashion-mnist.crate.yaml')) }));
}

function ablation() {
  for (const v of ['crate', 'overcomplete', 'decoupled', 'residual']) {
    console.log(JSON.stringify({ bench: 'ablation', ...trainConfig(join(root, 'examples', 'ablation', `${v}.crate.yaml`)) }));
  }
}

/** Introspection's share of training time at the default interval, as the run logs it. */
function introspection() {
  const r = trainConfig(join(root, 'examples', 'fashion-mnist.crate.yaml'), ['--max-steps', '400']);
  const events = readFileSync(join(r.runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const timing = events.filter((e) => e.type === 'log' && e.message.startsWith('time:')).at(-1);
  console.log(JSON.stringify({ bench: 'introspection', steps: r.steps, introspections: r.introspections, timing: timing?.message }));
}

const all = { model, quality, ablation, introspection };
if (process.argv[2] === 'vs-torch') {
  vsTorch(process.argv.slice(3));
  process.exit(0);
}
const chosen = process.argv.slice(2).filter((a) => !a.startsWith('--'));
for (const name of chosen.length > 0 ? chosen : ['model']) {
  if (!all[name]) throw new Error(`unknown benchmark ${name}; one of ${Object.keys(all).join(', ')}`);
  all[name]();
}
