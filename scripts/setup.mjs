#!/usr/bin/env node
// One idempotent set-up step behind both README commands: Debian packages, npm packages, the
// optional native GEMM addon, the bundles, and the real VS Code for the editor tests and
// `npm start` (Node 24 and code-server from npm, cached outside the repository; see
// scripts/vscodeEnv.mjs). Each step is skipped when already done, so a second run costs a few
// seconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VSCODE_DEBIAN_PACKAGES, setupVscodeEnv } from './vscodeEnv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Debian packages and why the project needs each. */
const debianPackages = {
  'libopenblas-dev': 'native GEMM for the wasm backend (trainer/native)',
  'libegl1': 'EGL for Dawn (webgpu backend on Mesa)',
  'libegl-mesa0': 'Mesa EGL driver (webgpu backend)',
  'libgles2': 'GLES for Dawn\'s OpenGL ES backend (webgpu backend)',
  'libgl1-mesa-dri': 'llvmpipe software rasteriser (webgpu backend)',
  'dataset-fashion-mnist': 'Fashion-MNIST in /usr/share/datasets/fashion-mnist (examples, quality benchmark)',
  ...(process.env.CRATE_LAB_SKIP_VSCODE ? {} : VSCODE_DEBIAN_PACKAGES),
};

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
    log('not a Debian system: install OpenBLAS and Mesa EGL/GLES yourself for the fast paths');
    return;
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
      log(`could not install ${missing.join(' ')}; the features that need them will report why (crate-lab doctor)`);
    }
  }
}

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : '');
  return h.digest('hex');
}

function installNpmPackages() {
  const stamp = join(root, 'node_modules', '.crate-lab-setup');
  const want = hashFiles([join(root, 'package.json'), join(root, 'package-lock.json')]);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log('installing npm packages');
  const hasLock = existsSync(join(root, 'package-lock.json'));
  if (!run('npm', [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'])) {
    log('npm install failed');
    process.exit(1);
  }
  writeFileSync(stamp, want);
}

function buildNativeGemm() {
  const dir = join(root, 'trainer', 'native');
  if (!existsSync(join(dir, 'binding.gyp'))) return;
  const stamp = join(dir, 'build', '.crate-lab-setup');
  const sources = ['binding.gyp', 'gemm.c'].map((f) => join(dir, f));
  const want = hashFiles(sources) + process.version;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  log('building the native GEMM addon (optional)');
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // Offline, node-gyp cannot download Node's headers: point it at the installed ones.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const ok = existsSync(gyp) && run(process.execPath, [gyp, 'rebuild', '--silent', ...nodedir], { cwd: dir });
  if (ok) writeFileSync(stamp, want);
  else log('native GEMM addon not built: the wasm backend falls back to XNNPACK (see crate-lab doctor)');
}

function build() {
  const out = join(root, 'dist', 'trainer', 'cli.js');
  if (process.env.CRATE_LAB_SKIP_BUILD && existsSync(out)) return;
  if (!run(process.execPath, [join(root, 'scripts', 'build.mjs')])) process.exit(1);
  void statSync(out);
}

/** code-server and Node 24 for the real-VS-Code tests and `npm start`; a failure is not fatal
 * here: those tests then fail under CI (skip elsewhere) with the reason recorded. */
function installVscodeEnv() {
  if (process.env.CRATE_LAB_SKIP_VSCODE) return;
  const r = setupVscodeEnv({ log });
  if (!r.ok) log(`the real VS Code is not set up: ${r.reason}`);
}

installDebianPackages();
installNpmPackages();
buildNativeGemm();
build();
installVscodeEnv();
