#!/usr/bin/env node
// One idempotent set-up step behind the README commands: Debian packages, npm packages, the
// native GEMM addon, the bundles, and the real VS Code for the editor tests and `npm start`
// (Node 24 and code-server from npm, cached outside the repository; see scripts/vscodeEnv.mjs).
// Each step is skipped when already done, so a second run costs a few seconds.
//
//   node scripts/setup.mjs test    for `npm test`: every step is required, since a test that
//                                  cannot run must not pass; a failed step exits 1 with its
//                                  reason and the command that fixes it
//   node scripts/setup.mjs start   for `npm start`: the same, except that the native GEMM addon
//                                  stays optional (the trainer falls back to XNNPACK)
//   node scripts/setup.mjs         for the other scripts: only npm packages and bundles required
//
// CRATE_LAB_SKIP_VSCODE=1 leaves out code-server, Node 24 and Chromium (and the tests then skip
// the real-VS-Code suites, saying so at the end of the run).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VSCODE_DEBIAN_PACKAGES, setupVscodeEnv, vscodeEnv } from './vscodeEnv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2] ?? 'other';
if (!['test', 'start', 'other'].includes(purpose)) {
  process.stderr.write(`setup: unknown purpose "${purpose}" (test, start, or none)\n`);
  process.exit(2);
}
const skipVscode = Boolean(process.env.CRATE_LAB_SKIP_VSCODE);

/** Debian packages and why the project needs each. */
const debianPackages = {
  'libopenblas-dev': 'native GEMM for the wasm backend (trainer/native)',
  'libegl1': 'EGL for Dawn (webgpu backend on Mesa)',
  'libegl-mesa0': 'Mesa EGL driver (webgpu backend)',
  'libgles2': 'GLES for Dawn\'s OpenGL ES backend (webgpu backend)',
  'libgl1-mesa-dri': 'llvmpipe software rasteriser (webgpu backend)',
  'dataset-fashion-mnist': 'Fashion-MNIST in /usr/share/datasets/fashion-mnist (examples, quality benchmark)',
  'python3-torch': 'PyTorch, the peer of the benchmarks (scripts/crate_alpha_torch.py; its test checks the same logits)',
  'libopenblas0-openmp': 'OpenBLAS\'s OpenMP build, PyTorch\'s fastest BLAS on the CPU, for `npm run bench -- vs-torch` (installed beside the pthread build, which stays the system default)',
  'slurm-wlm': 'Slurm (slurmctld, slurmd, sbatch, squeue, sacct, scancel): the sweep tests start a one-node cluster (test/support/slurmCluster.ts)',
  'munge': 'munged, the authentication Slurm\'s daemons and clients share (the test cluster runs its own)',
  ...(skipVscode ? {} : VSCODE_DEBIAN_PACKAGES),
};
/** The command that installs `packages`, as this user would type it. */
function aptCommand(packages = Object.keys(debianPackages)) {
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y ${packages.join(' ')}`;
}

/** A step that did not work: what, why, and the command that fixes it. */
class StepFailed extends Error {
  constructor(reason, fix) {
    super(reason);
    this.fix = fix;
  }
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  return r.status === 0;
}

function log(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function missingDebianPackages() {
  return Object.keys(debianPackages).filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function installDebianPackages() {
  if (!existsSync('/usr/bin/dpkg-query')) {
    throw new StepFailed('not a Debian system: the packages the tests need cannot be checked', `install the equivalents of: ${Object.keys(debianPackages).join(' ')}`);
  }
  const missing = missingDebianPackages();
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : ['sudo', '-n'];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const apt = (args) => run(prefix[0] ?? 'apt-get', [...prefix.slice(1), ...(asRoot ? [] : ['apt-get']), ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!apt(['install', '-y', '--no-install-recommends', ...missing])) {
    apt(['update']);
    if (!apt(['install', '-y', '--no-install-recommends', ...missing])) {
      throw new StepFailed(`could not install ${missing.join(' ')}`, aptCommand(missing));
    }
  }
}

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : '');
  return h.digest('hex');
}

/**
 * What `npm ci` installs from: the lock file and package.json's dependency fields. Not its
 * scripts or contributions, whose edits would otherwise reinstall every package.
 */
function npmInputs() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'overrides', 'allowScripts'].map((k) => [k, pkg[k]]);
  return createHash('sha256').update(JSON.stringify(fields)).update(hashFiles([join(root, 'package-lock.json')])).digest('hex');
}

function installNpmPackages() {
  const stamp = join(root, 'node_modules', '.crate-lab-setup');
  const want = npmInputs();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log('installing npm packages');
  const hasLock = existsSync(join(root, 'package-lock.json'));
  const cmd = hasLock ? 'ci' : 'install';
  if (!run('npm', [cmd, '--no-audit', '--no-fund'])) throw new StepFailed(`npm ${cmd} failed (its output is above)`, `npm ${cmd}`);
  writeFileSync(stamp, want);
}

function buildNativeGemm() {
  const dir = join(root, 'trainer', 'native');
  const stamp = join(dir, 'build', '.crate-lab-setup');
  const sources = readdirSync(dir).filter((f) => f === 'binding.gyp' || /\.[ch]$/.test(f)).sort().map((f) => join(dir, f));
  const want = hashFiles(sources) + process.version;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log('building the native GEMM addon');
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // Offline, node-gyp cannot download Node's headers: point it at the installed ones.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  if (!(existsSync(gyp) && run(process.execPath, [gyp, 'rebuild', '--silent', ...nodedir], { cwd: dir }))) {
    throw new StepFailed('node-gyp could not build trainer/native (its output is above); the wasm backend would fall back to XNNPACK',
      `${aptCommand(['libopenblas-dev', 'build-essential', 'python3'])} && node scripts/setup.mjs test`);
  }
  writeFileSync(stamp, want);
}

function build() {
  if (process.env.CRATE_LAB_SKIP_BUILD && existsSync(join(root, 'dist', 'trainer', 'cli.js'))) return;
  if (!run(process.execPath, [join(root, 'scripts', 'build.mjs')])) throw new StepFailed('the bundles did not build (esbuild\'s errors are above)', 'npm run build');
}

/** Node 24 and code-server into the cache, then the whole environment checked (Chromium too). */
function installVscodeEnv() {
  const r = setupVscodeEnv({ log });
  if (!r.ok) throw new StepFailed(r.reason, 'node scripts/setup.mjs test (after fixing the cause above; CRATE_LAB_SKIP_VSCODE=1 skips the real-VS-Code tests)');
  try {
    vscodeEnv();
  } catch (e) {
    throw new StepFailed(e.message, aptCommand(['chromium']));
  }
}

/** The steps in order, and which purposes cannot do without each. */
const steps = [
  { name: 'Debian packages', run: installDebianPackages, requiredFor: ['test', 'start'] },
  { name: 'npm packages', run: installNpmPackages, requiredFor: ['test', 'start', 'other'] },
  { name: 'native GEMM addon', run: buildNativeGemm, requiredFor: ['test'] },
  { name: 'bundles', run: build, requiredFor: ['test', 'start', 'other'] },
  ...(skipVscode ? [] : [{ name: 'Node 24 + code-server + Chromium', run: installVscodeEnv, requiredFor: ['test', 'start'] }]),
];

for (const step of steps) {
  try {
    step.run();
  } catch (e) {
    if (!(e instanceof StepFailed)) throw e;
    if (!step.requiredFor.includes(purpose)) {
      log(`${step.name}: ${e.message} (optional here; to fix: ${e.fix})`);
      continue;
    }
    process.stderr.write(`[setup] FAILED: ${step.name}: ${e.message}\n[setup] to fix: ${e.fix}\n`);
    process.exit(1);
  }
}
