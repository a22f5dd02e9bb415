// `npm run bench -- vs-torch`: CRATE-α training and inference throughput of this project's trainer
// (wasm backend + OpenBLAS GEMM addon) against the same model in PyTorch (scripts/crate_alpha_torch.py)
// on this machine's CPUs, in one run, each side at its best configuration.
//
//   node scripts/bench.mjs vs-torch [--shape mnist|cifar|both] [--rounds N] [--steps N] [--python FILE]
//
// Rounds alternate the two sides (ours, torch, ours, torch, …) so that load from other jobs on a
// shared machine falls on both; the figures are medians over the rounds. Neither side is pinned:
// both child processes get the environment without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which
// pin OpenBLAS to other kernels than its runtime detection picks (AVX2 instead of AVX-512 here).
// PyTorch's best configuration here is Debian's OpenBLAS OpenMP build with one thread per core
// (its pthread build under PyTorch's own OpenMP threads oversubscribes the cores: about half).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'trainer', 'cli.js');
const torchModel = join(root, 'scripts', 'crate_alpha_torch.py');

/** Issue 17's two shapes: the model benchmark's (Fashion-MNIST-sized) and the SRR study's CIFAR width. */
export const SHAPES = {
  mnist: { dim: 192, depth: 12, heads: 3, image: 28, patch: 4, channels: 1, classes: 10, batch: 64 },
  cifar: { dim: 384, depth: 12, heads: 6, image: 32, patch: 4, channels: 3, classes: 10, batch: 64 },
};

/** Environment variables that pin OpenBLAS's kernels or cache size; the bench's children run without them. */
export const PINNING_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/** Debian's OpenBLAS OpenMP build (package libopenblas0-openmp), PyTorch's fastest BLAS here. */
export const OPENBLAS_OPENMP_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** `env` without the variables that pin OpenBLAS. */
export function unpinnedEnv(env) {
  const out = { ...env };
  for (const name of PINNING_VARIABLES) delete out[name];
  return out;
}

export function median(values) {
  if (values.length === 0) throw new Error('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The first of `candidates` that imports torch, or why none does with the command that fixes it
 * (Debian's python3-torch is under /usr/bin/python3, which a pyenv python3 on PATH hides).
 */
export function pythonWithTorch(candidates) {
  const tried = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
    tried.push(`${python}: ${(r.stderr || String(r.error ?? `exit ${r.status}`)).trim().split('\n').at(-1)}`);
  }
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return { missing: `PyTorch is missing (${tried.join('; ')}); install it with: ${sudo}apt-get install python3-torch` };
}

function child(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || String(r.error)).trim()}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

function ours(shape, steps, env) {
  const s = SHAPES[shape];
  const args = ['bench', '--arch', 'crate-alpha', '--depth', s.depth, '--width', s.dim, '--heads', s.heads, '--image', s.image, '--patch', s.patch, '--channels', s.channels, '--classes', s.classes, '--batch', s.batch, '--steps', steps, '--backend', 'wasm', '--json'].map(String);
  const r = child(process.execPath, [cli, ...args], env);
  return { train: r.trainImagesPerSecond, infer: r.inferImagesPerSecond, peakRssMiB: r.peakRssMiB, microBatch: r.microBatch };
}

function torch(python, shape, steps, env) {
  const s = SHAPES[shape];
  const args = [torchModel, 'bench', '--dim', s.dim, '--depth', s.depth, '--heads', s.heads, '--image', s.image, '--patch', s.patch, '--channels', s.channels, '--classes', s.classes, '--batch', s.batch, '--steps', steps, '--warmup', 2, '--device', 'cpu', '--mode', 'both'].map(String);
  const r = child(python, args, env);
  return { train: r.trainImagesPerSecond, infer: r.inferImagesPerSecond, peakRssMiB: r.peakRssMiB, torch: r.torch };
}

export function vsTorch(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { shape: { type: 'string', default: 'mnist' }, rounds: { type: 'string', default: '3' }, steps: { type: 'string', default: '5' }, python: { type: 'string' } },
    strict: false,
  });
  const shapes = values.shape === 'both' ? Object.keys(SHAPES) : [values.shape];
  for (const s of shapes) if (!SHAPES[s]) throw new Error(`--shape ${s}: one of ${Object.keys(SHAPES).join(', ')}, both`);
  const rounds = Number(values.rounds);
  const steps = Number(values.steps);
  if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error(`--rounds ${values.rounds}: a positive integer`);
  if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`--steps ${values.steps}: a positive integer`);
  const { python, missing } = pythonWithTorch(values.python ? [values.python] : ['python3', '/usr/bin/python3']);
  if (missing) {
    process.stderr.write(`bench vs-torch: ${missing}\n`);
    process.exit(1);
  }
  const threads = availableParallelism();
  const oursEnv = unpinnedEnv(process.env);
  const torchEnv = { ...unpinnedEnv(process.env), OMP_NUM_THREADS: String(threads) };
  let torchBlas = 'OpenBLAS openmp';
  if (existsSync(join(OPENBLAS_OPENMP_DIR, 'libblas.so.3'))) {
    torchEnv.LD_LIBRARY_PATH = [OPENBLAS_OPENMP_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  } else {
    // Slower (oversubscribed), so the ratio flatters us: say so, and how to get the real peer.
    torchBlas = 'system BLAS (OpenBLAS openmp missing)';
    process.stderr.write(`bench vs-torch: ${OPENBLAS_OPENMP_DIR} is missing, PyTorch runs on the system BLAS, not at its best; install it with: apt-get install libopenblas0-openmp\n`);
  }
  for (const shape of shapes) {
    const o = [];
    const t = [];
    const load = [loadavg()[0]];
    for (let i = 0; i < rounds; i++) {
      o.push(ours(shape, steps, oursEnv));
      t.push(torch(python, shape, steps, torchEnv));
      load.push(loadavg()[0]);
      process.stderr.write(`bench vs-torch: ${shape} round ${i + 1}/${rounds}: ours train ${o.at(-1).train.toFixed(1)} infer ${o.at(-1).infer.toFixed(1)}, torch train ${t.at(-1).train.toFixed(1)} infer ${t.at(-1).infer.toFixed(1)} images/s\n`);
    }
    const m = (xs, k) => median(xs.map((x) => x[k]));
    const result = {
      bench: 'vs-torch',
      shape: { name: shape, ...SHAPES[shape] },
      rounds,
      steps,
      threads,
      ours: { trainImagesPerSecond: m(o, 'train'), inferImagesPerSecond: m(o, 'infer'), peakRssMiB: Math.max(...o.map((x) => x.peakRssMiB)), microBatch: o[0].microBatch, train: o.map((x) => x.train), infer: o.map((x) => x.infer) },
      torch: { trainImagesPerSecond: m(t, 'train'), inferImagesPerSecond: m(t, 'infer'), peakRssMiB: Math.max(...t.map((x) => x.peakRssMiB)), version: t[0].torch, blas: torchBlas, train: t.map((x) => x.train), infer: t.map((x) => x.infer) },
      trainRatio: m(o, 'train') / m(t, 'train'),
      inferRatio: m(o, 'infer') / m(t, 'infer'),
      loadAverage1m: load,
    };
    console.log(JSON.stringify(result));
  }
}
