#!/usr/bin/env node
// npm run bench:gpu: CRATE-α tiny/16 and base/16 at 224×224 on webgpu, against the same model in
// PyTorch eager fp32 (scripts/crate_alpha_torch.py) on the same GPU. Made for a GPU machine with no
// Node and no package registry: `pack` writes one folder (under 60 MiB) that runs there with `sh`.
//
//   node scripts/bench-gpu.mjs pack [--out DIR] [--node FILE] [--compress gzip|xz] [--debs DIR]
//   sh DIR/run.sh [--quick] [--allow-software] [--sizes tiny,base] [--log DIR] [--python FILE]
//                 [--budget-s S (all parts, default 450)] [--part-limit-s S (one part, default 150)]
//                 [--profile (webgpu kernel time per shader program)] [--keep]
//   node scripts/bench-gpu.mjs [pack options] [run options]              (both, into .gpu-pack/)
//
// run.sh unpacks the Node binary and runs this same file as `run` inside the folder: it unpacks
// the rest, adds the packed Vulkan loader when the system has none, and times each part in its
// own process (`crate-lab bench --only train|infer`, crate_alpha_torch.py), so a part that fails
// (webgpu training before issue 12's item 1) is reported with its reason and the rest still runs.
// The last line printed is one JSON object with every figure.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const packLimitBytes = 60 * 2 ** 20;
/** The Vulkan loader and, for the NVIDIA driver's ICD library, glvnd (the device tool's recipe). */
const loaderPackages = ['libvulkan1', 'libglvnd0', 'libegl1', 'libgles2', 'libglx0', 'libgl1', 'libopengl0'];
/** Where NVIDIA container images mount the driver's Vulkan manifest, outside the loader's search path. */
const nvidiaIcdCandidates = ['/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json', '/usr/share/vulkan/icd.d/nvidia_icd.json', '/etc/vulkan/icd.d/nvidia_icd.json'];

const options = {
  out: { type: 'string' },
  node: { type: 'string' },
  compress: { type: 'string' },
  debs: { type: 'string' },
  pack: { type: 'string' },
  work: { type: 'string' },
  log: { type: 'string' },
  quick: { type: 'boolean' },
  'allow-software': { type: 'boolean' },
  keep: { type: 'boolean' },
  'budget-s': { type: 'string' },
  python: { type: 'string' },
  sizes: { type: 'string' },
  'part-limit-s': { type: 'string' },
  profile: { type: 'boolean' },
};

function fail(message) {
  process.stderr.write(`bench-gpu: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
}

// ---------------------------------------------------------------- pack (on the development machine)

async function defaultNode() {
  // Node 24 from the project's cache (scripts/vscodeEnv.mjs): a standalone binary (glibc only).
  try {
    const { vscodeEnv } = await import('./vscodeEnv.mjs');
    return vscodeEnv().node24Bin;
  } catch {
    return process.execPath;
  }
}

function compressFile(from, to, method) {
  if (method === 'gzip') {
    writeFileSync(to, gzipSync(readFileSync(from), { level: 6 }));
    return;
  }
  // xz: no binding in Node; the CLI is everywhere this runs (and on the GPU machine).
  const r = spawnSync('xz', ['-T0', '-3', '-c', from], { maxBuffer: 1 << 30 });
  if (r.status !== 0) fail(`xz -c ${from} failed: ${r.stderr}`);
  writeFileSync(to, r.stdout);
}

function loaderDebs(dir) {
  const debs = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.deb') && loaderPackages.some((p) => f.startsWith(`${p}_`))) : []);
  if (debs().length < loaderPackages.length) {
    mkdirSync(dir, { recursive: true });
    // On an amd64 Debian/Ubuntu the system's package lists do; elsewhere amd64 lists of their own
    // (the GPU machine is x86-64 whatever this one is).
    let d = process.arch === 'x64' ? run('apt-get', ['download', ...loaderPackages], { cwd: dir }) : undefined;
    if (d?.status !== 0) {
      const lists = join(dir, 'lists');
      mkdirSync(join(lists, 'partial'), { recursive: true });
      const o = ['-oAPT::Architecture=amd64', '-oAPT::Architectures=amd64', `-oDir::State::Lists=${lists}`];
      const u = run('apt-get', [...o, 'update'], { cwd: dir });
      if (u.status !== 0) fail(`apt-get update for the Vulkan loader .debs failed (give them with --debs DIR): ${u.stderr || u.error}`);
      d = run('apt-get', [...o, 'download', ...loaderPackages], { cwd: dir });
    }
    if (d.status !== 0) fail(`apt-get download ${loaderPackages.join(' ')} failed (give the .debs with --debs DIR): ${d.stderr || d.error}`);
  }
  const found = debs();
  const missing = loaderPackages.filter((p) => !found.some((f) => f.startsWith(`${p}_`)));
  if (missing.length > 0) fail(`${dir} lacks the .deb of ${missing.join(', ')}`);
  return found.map((f) => join(dir, f));
}

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

export async function pack(values) {
  const root = join(here, '..');
  const out = values.out ?? join(root, '.gpu-pack');
  const method = values.compress ?? 'gzip';
  if (!['gzip', 'xz'].includes(method)) fail(`--compress must be gzip or xz; got "${method}"`);
  const node = values.node ?? (await defaultNode());
  const dist = join(root, 'dist', 'trainer');
  if (!existsSync(join(dist, 'cli.js'))) fail(`${dist}/cli.js is missing: run node scripts/build.mjs first`);
  const webgpu = join(root, 'node_modules', 'webgpu');
  const dawn = join(webgpu, 'dist', 'linux-x64', 'dawn.node');
  if (!existsSync(dawn)) fail(`${dawn} is missing (npm ci installs the webgpu package)`);
  // Imported here, not at the top: this script also runs alone, unpacked on the GPU machine.
  const { cacheRoot } = await import('./vscodeEnv.mjs');
  const debs = loaderDebs(values.debs ?? join(cacheRoot(), 'vulkan-loader-debs'));

  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'payload'), { recursive: true });
  mkdirSync(join(out, 'debs'), { recursive: true });
  // target path in the work folder → source; the bundle finds `webgpu` in its node_modules.
  const files = new Map([
    ['node', node],
    ['trainer/cli.js', join(dist, 'cli.js')],
    ['trainer/node_modules/webgpu/package.json', join(webgpu, 'package.json')],
    ['trainer/node_modules/webgpu/index.js', join(webgpu, 'index.js')],
    ['trainer/node_modules/webgpu/dist/linux-x64/dawn.node', dawn],
  ]);
  // tfjs's wasm files, loaded by path beside the bundle (doctor and `auto` may start wasm).
  for (const f of filesUnder(join(dist, 'tfjs-backend-wasm'))) files.set(`trainer/${relative(dist, f)}`, f);
  const ext = method === 'gzip' ? '.gz' : '.xz';
  const manifest = { compress: method, node: run(node, ['--version']).stdout.trim(), files: [], debs: [] };
  for (const [target, source] of files) {
    const stored = `payload/${target}${ext}`;
    mkdirSync(dirname(join(out, stored)), { recursive: true });
    compressFile(source, join(out, stored), method);
    manifest.files.push({ stored, target, mode: statSync(source).mode & 0o777 });
  }
  for (const deb of debs) {
    copyFileSync(deb, join(out, 'debs', basename(deb)));
    manifest.debs.push(`debs/${basename(deb)}`);
  }
  copyFileSync(fileURLToPath(import.meta.url), join(out, 'bench-gpu.mjs'));
  copyFileSync(join(here, 'crate_alpha_torch.py'), join(out, 'crate_alpha_torch.py'));
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  writeFileSync(join(out, 'run.sh'), runScript(ext));
  chmodSync(join(out, 'run.sh'), 0o755);
  const bytes = filesUnder(out).reduce((n, f) => n + statSync(f).size, 0);
  if (bytes >= packLimitBytes) fail(`${out} is ${(bytes / 2 ** 20).toFixed(1)} MiB, over the 60 MiB limit (try --compress xz)`);
  console.log(`bench-gpu: packed ${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB (Node ${manifest.node}, ${method}, ${debs.length} loader .debs)`);
  return { out, bytes };
}

function runScript(ext) {
  const unpack = ext === '.gz' ? 'gzip -dc' : 'xz -dc';
  return `#!/bin/sh
# The GPU benchmark of CRATE Lab (scripts/bench-gpu.mjs): unpacks the packed Node into a work
# folder and runs the benchmark with it. Needs sh, ${unpack.split(' ')[0]} and dpkg-deb; arguments go to the benchmark.
set -eu
pack=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
work=$(mktemp -d "\${TMPDIR:-/tmp}/crate-gpu-bench.XXXXXX")
${unpack} "$pack/payload/node${ext}" >"$work/node"
chmod 755 "$work/node"
exec "$work/node" "$pack/bench-gpu.mjs" run --pack "$pack" --work "$work" "$@"
`;
}

// ---------------------------------------------------------------- run (on the GPU machine)

function unpack(packDir, work) {
  const manifest = JSON.parse(readFileSync(join(packDir, 'manifest.json'), 'utf8'));
  for (const f of manifest.files) {
    const target = join(work, f.target);
    if (f.target === 'node' && existsSync(target)) continue; // run.sh did it
    mkdirSync(dirname(target), { recursive: true });
    const from = join(packDir, f.stored);
    if (manifest.compress === 'gzip') writeFileSync(target, gunzipSync(readFileSync(from)));
    else {
      const r = spawnSync('xz', ['-dc', from], { maxBuffer: 1 << 30 });
      if (r.status !== 0) fail(`xz -dc ${from} failed: ${r.stderr}`);
      writeFileSync(target, r.stdout);
    }
    chmodSync(target, f.mode);
  }
  return manifest;
}

function sharedLibraries() {
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = run(ldconfig, ['-p']);
    if (r.status === 0) return r.stdout;
  }
  return '';
}

/** Environment for the measuring processes: the packed loader when the system lacks one, the NVIDIA ICD when the loader would not find it. */
function gpuEnvironment(packDir, manifest, work, log) {
  const env = { ...process.env };
  const libs = sharedLibraries();
  if (!/libvulkan\.so\.1\b/.test(libs) || !/libGLdispatch\.so\.0\b/.test(libs)) {
    const sysroot = join(work, 'sysroot');
    for (const deb of manifest.debs) {
      const r = run('dpkg-deb', ['-x', join(packDir, deb), sysroot]);
      if (r.status !== 0) fail(`dpkg-deb -x ${deb} failed: ${r.stderr || r.error}`);
    }
    const dirs = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'].map((d) => join(sysroot, d)).filter(existsSync);
    env.LD_LIBRARY_PATH = [...dirs, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    log(`vulkan loader: the system has none; using the packed one (${manifest.debs.map((d) => basename(d)).join(', ')})`);
  } else {
    log('vulkan loader: the system one');
  }
  const searched = ['/usr/local/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
  const listed = searched.flatMap((d) => (existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : []));
  const nvidiaListed = listed.some((f) => /nvidia/i.test(basename(f)));
  const nvidiaElsewhere = nvidiaIcdCandidates.find((f) => existsSync(f) && !listed.includes(f));
  if (!env.VK_DRIVER_FILES && !env.VK_ICD_FILENAMES && !nvidiaListed && nvidiaElsewhere) {
    env.VK_DRIVER_FILES = nvidiaElsewhere;
    log(`vulkan driver: VK_DRIVER_FILES=${nvidiaElsewhere} (outside the loader's search path)`);
  } else {
    log(`vulkan drivers: ${env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? (listed.join(', ') || 'none listed')}`);
  }
  return env;
}

/** A module that prints the adapter Dawn's default backend gives and the limits that size batches. */
function adapterProbe(webgpuIndex) {
  return `import { create } from ${JSON.stringify(webgpuIndex)};
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) { console.log('none'); process.exit(0); }
const { vendor, architecture, device, description } = adapter.info;
const l = adapter.limits;
console.log(JSON.stringify({ vendor, architecture, device, description, maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize, features: [...adapter.features].sort() }));
process.exit(0);`;
}

/** One JSON object from the last line of a child's stdout that parses as one. */
function lastJson(stdout) {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // not JSON: a log line
    }
  }
  return undefined;
}

function firstErrorLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at '));
  // The CLI's own error line, a Python exception's last line; Dawn's warnings come before them.
  return lines.findLast((l) => /^crate-lab\b|\berror\b/i.test(l)) ?? lines.at(-1) ?? 'no output';
}

function configs(quick) {
  if (quick) {
    // Seconds on a CPU (llvmpipe): tests run this.
    const shape = { dim: 32, depth: 2, heads: 2, patch: 8, image: 32, classes: 10 };
    return [{ name: 'quick d=32 depth 2', shape, batch: 4, webgpu: { warmup: 1, steps: 2 }, torch: { warmup: 1, steps: 2 } }];
  }
  // `batch` is the most, and what runs where the GPU's memory is unknown; sizeBatch fits it to the device.
  return [
    { name: 'tiny/16', size: 'tiny', shape: { image: 224, classes: 1000 }, batch: 256, webgpu: { warmup: 2, steps: 5 }, torch: { warmup: 5, steps: 20 } },
    { name: 'base/16', size: 'base', shape: { image: 224, classes: 1000 }, batch: 256, webgpu: { warmup: 2, steps: 5 }, torch: { warmup: 5, steps: 20 } },
  ];
}

/** The first GPU's memory from nvidia-smi, in bytes (undefined without one). */
function gpuMemoryBytes() {
  const r = run('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits']);
  const mib = Number(r.stdout?.trim().split('\n')[0]);
  return r.status === 0 && mib > 0 ? mib * 2 ** 20 : undefined;
}

/**
 * The largest power of two up to `most` whose training fits three quarters of the GPU's memory,
 * by the trainer's own estimate (`crate-lab inspect --json`'s trainingBytesPerImage, from
 * trainer/model/cost.ts). The largest single tensor (the ODL code, 197×3072 floats per image for
 * base) stays far under Dawn's 2 GiB storage-binding limit at these batches.
 */
export function sizeBatch(trainingBytesPerImage, memoryBytes, most) {
  let batch = most;
  while (batch > 1 && trainingBytesPerImage * batch > 0.75 * memoryBytes) batch /= 2;
  return batch;
}

function shapeFlags(c, widthFlag) {
  const flags = c.size ? ['--size', c.size] : [];
  const s = c.shape;
  if (s.dim !== undefined) flags.push(widthFlag, String(s.dim), '--depth', String(s.depth), '--heads', String(s.heads), '--patch', String(s.patch));
  flags.push('--image', String(s.image), '--classes', String(s.classes));
  return flags;
}

export async function runBench(values) {
  const packDir = values.pack ?? here;
  const work = values.work ?? mkdtempSync(join(tmpdir(), 'crate-gpu-bench-'));
  const logDir = values.log;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const lines = [];
  const log = (line) => {
    console.log(line);
    lines.push(line);
  };
  // Two files in all (the device tool brings back only a few): every process's output, the summary.
  const saveLog = (name, text) => {
    if (logDir) appendFileSync(join(logDir, name === 'summary.txt' ? name : 'processes.log'), name === 'summary.txt' ? text : `=== ${name}\n${text}\n`);
  };
  const partLimitMs = Number(values['part-limit-s'] ?? 150) * 1000;
  const budgetMs = Number(values['budget-s'] ?? (values.quick ? 300 : 450)) * 1000;
  const deadline = Date.now() + budgetMs;
  const allowSoftware = values['allow-software'] === true;
  const result = { bench: 'gpu', quick: values.quick === true, parts: [] };
  try {
    const manifest = unpack(packDir, work);
    const env = gpuEnvironment(packDir, manifest, work, log);
    const node = join(work, 'node');
    const cli = join(work, 'trainer', 'cli.js');
    log(`node ${manifest.node}; GPUs: ${run('nvidia-smi', ['-L']).stdout?.trim() || 'nvidia-smi not there'}`);
    const doctor = run(node, [cli, 'doctor'], { env, timeout: 60_000 });
    saveLog('doctor.log', `${doctor.stdout}\n--- stderr\n${doctor.stderr}`);
    log(`crate-lab doctor:\n${(doctor.stdout ?? '').trim() || firstErrorLine(`${doctor.stderr}`)}`);
    const adapter = run(node, ['--input-type=module', '-e', adapterProbe(join(work, 'trainer', 'node_modules', 'webgpu', 'index.js'))], { env, timeout: 60_000 });
    log(`webgpu adapter (Dawn's default choice) and its limits: ${(adapter.stdout ?? '').trim() || firstErrorLine(`${adapter.stderr}`)}`);
    const python = values.python ?? 'python3';
    const torchInfo = run(python, ['-c', 'import json, torch; print(json.dumps({"torch": torch.__version__, "cuda": torch.cuda.is_available()}))']);
    const torch = torchInfo.status === 0 ? lastJson(torchInfo.stdout) : undefined;
    const torchDevice = torch?.cuda ? 'cuda' : allowSoftware && torch ? 'cpu' : undefined;
    const torchMissing = !torch ? `python3 with torch not there (${firstErrorLine(`${torchInfo.stderr ?? ''}${torchInfo.error ?? ''}`)})` : 'torch sees no CUDA device';
    log(`pytorch: ${torch ? `${torch.torch} on ${torchDevice ?? 'no GPU'}` : torchMissing}`);

    // Each part in its own process, with what is left of the budget.
    const part = (label, cmd, args) => {
      const left = deadline - Date.now();
      if (left < 10_000) return { error: 'skipped: the time budget is spent' };
      const t0 = Date.now();
      const r = run(cmd, args, { env, timeout: Math.min(left, partLimitMs), killSignal: 'SIGKILL' });
      saveLog(`${label}.log`, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}\n--- stderr\n${r.stderr ?? ''}`);
      const seconds = (Date.now() - t0) / 1000;
      if (r.error || r.signal) return { error: r.signal ? `killed (${r.signal}) after ${seconds.toFixed(0)} s: over the time budget` : String(r.error), seconds };
      const json = r.status === 0 ? lastJson(r.stdout) : undefined;
      if (!json) return { error: firstErrorLine(r.stderr || r.stdout), seconds };
      return { json, seconds };
    };

    const sizes = values.sizes?.split(',');
    const memory = values.quick ? undefined : gpuMemoryBytes();
    for (const c of configs(values.quick === true).filter((c) => !sizes || sizes.includes(c.size))) {
      if (memory !== undefined) {
        const inspect = run(node, [cli, 'inspect', '--arch', 'crate-alpha', ...shapeFlags(c, '--width'), '--json']);
        const perImage = lastJson(inspect.stdout ?? '')?.trainingBytesPerImage;
        if (typeof perImage === 'number') {
          c.batch = sizeBatch(perImage, memory, c.batch);
          log(`${c.name}: batch ${c.batch} (${(perImage / 2 ** 20).toFixed(0)} MiB of training memory per image within 3/4 of ${(memory / 2 ** 30).toFixed(0)} GiB)`);
        }
      }
      const entry = { name: c.name, batch: c.batch, webgpu: {}, torch: {} };
      result.parts.push(entry);
      if (torchDevice) {
        const r = part(`torch-${c.name.replace(/\W+/g, '_')}`, python, [
          join(packDir, 'crate_alpha_torch.py'), 'bench', ...shapeFlags(c, '--dim'), '--batch', String(c.batch), '--mode', 'both',
          '--warmup', String(c.torch.warmup), '--steps', String(c.torch.steps), '--device', torchDevice,
        ]);
        if (r.json) entry.torch = { train: r.json.trainImagesPerSecond, infer: r.json.inferImagesPerSecond, device: r.json.device, version: r.json.torch, peakMemoryMiB: r.json.peakMemoryMiB };
        else entry.torch = { error: r.error };
      } else {
        entry.torch = { error: torchMissing };
      }
      for (const only of ['infer', 'train']) {
        const measure = (microBatch) =>
          part(`webgpu-${only}-${c.name.replace(/\W+/g, '_')}-micro${microBatch}`, node, [
            cli, 'bench', '--arch', 'crate-alpha', ...shapeFlags(c, '--width'), '--batch', String(c.batch), '--micro-batch', String(microBatch),
            '--warmup', String(c.webgpu.warmup), '--steps', String(c.webgpu.steps), '--only', only, '--backend', 'webgpu', '--json',
            ...(values.profile ? ['--profile'] : []),
          ]);
        // The whole batch at once first; on running out of device memory, micro-batches of half.
        let microBatch = c.batch;
        let r = measure(microBatch);
        while (!r.json && /out of memory/i.test(r.error ?? '') && microBatch > 1) {
          log(`webgpu ${only} ${c.name}: out of memory with micro-batches of ${microBatch}; trying ${microBatch / 2}`);
          microBatch /= 2;
          r = measure(microBatch);
        }
        entry.webgpu[`${only}MicroBatch`] = microBatch;
        if (r.json) {
          entry.webgpu.device = r.json.backend;
          if (/software adapter/.test(r.json.backend) && !allowSoftware) {
            throw new Error(`webgpu found only a software adapter (${r.json.backend}); run crate-lab doctor, or pass --allow-software to time it anyway`);
          }
          entry.webgpu[only] = only === 'train' ? r.json.trainImagesPerSecond : r.json.inferImagesPerSecond;
          entry.webgpu[`${only}Seconds`] = r.seconds;
          if (r.json.profile?.[only]) entry.webgpu[`${only}Profile`] = r.json.profile[only];
        } else {
          entry.webgpu[only] = null;
          entry.webgpu[`${only}Error`] = r.error;
        }
      }
      for (const only of ['train', 'infer']) {
        const w = entry.webgpu[only];
        const t = entry.torch[only];
        entry[`${only}Ratio`] = typeof w === 'number' && typeof t === 'number' ? w / t : null;
      }
    }
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
  log('');
  log(`CRATE-α on webgpu vs PyTorch eager fp32 (images/s; ratio = webgpu / PyTorch)`);
  for (const e of result.parts) {
    for (const only of ['train', 'infer']) {
      const w = e.webgpu[only];
      const t = e.torch[only];
      const fmt = (x) => (typeof x === 'number' ? x.toFixed(1) : 'n/a');
      const why = [w === null ? `webgpu: ${e.webgpu[`${only}Error`]}` : '', typeof t !== 'number' ? `pytorch: ${e.torch.error}` : ''].filter(Boolean).join('; ');
      log(`${e.name.padEnd(18)} batch ${String(e.batch).padStart(3)} ${only.padEnd(5)}  webgpu ${fmt(w).padStart(8)}  pytorch ${fmt(t).padStart(8)}  ratio ${typeof e[`${only}Ratio`] === 'number' ? e[`${only}Ratio`].toFixed(3) : 'n/a'}${why ? `  (${why})` : ''}`);
    }
  }
  for (const e of result.parts) {
    for (const only of ['train', 'infer']) {
      const p = e.webgpu[`${only}Profile`];
      if (!p) continue;
      log(`profile ${e.name} ${only}, one step, each dispatch timed apart: ${p.dispatches} dispatches, ${p.kernelMs.toFixed(1)} ms in kernels, ${p.wallMs.toFixed(0)} ms wall`);
      for (const q of p.programs) log(`  ${q.name.padEnd(34)} ${String(q.dispatches).padStart(5)} dispatches ${q.ms.toFixed(2).padStart(9)} ms`);
    }
  }
  if (result.parts[0]) log(`webgpu device: ${result.parts[0].webgpu.device ?? 'none'}; pytorch device: ${result.parts[0].torch.device ?? 'none'}`);
  const summary = JSON.stringify(result);
  saveLog('summary.txt', `${lines.join('\n')}\n${summary}\n`);
  console.log(summary);
  return result;
}

// ---------------------------------------------------------------- entry

async function main() {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options, allowPositionals: true, strict: true });
  const step = positionals[0];
  if (step === 'pack') await pack(values);
  else if (step === 'run') await runBench(values);
  else if (step === undefined) {
    const { out } = await pack(values);
    const args = [join(out, 'run.sh')];
    for (const flag of ['quick', 'allow-software', 'keep', 'profile']) if (values[flag]) args.push(`--${flag}`);
    for (const flag of ['log', 'python', 'budget-s', 'part-limit-s', 'sizes']) if (values[flag]) args.push(`--${flag}`, values[flag]);
    const r = spawnSync('sh', args, { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  } else fail(`unknown step "${step}": pack, run, or none for both`);
}

// Run as a script (not when a test imports sizeBatch); no top-level await, so that it can be required.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
}
