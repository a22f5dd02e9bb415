#!/usr/bin/env node
// `npm run package`: the .vsix. The bundles carry all JavaScript and tfjs's wasm binaries
// (dist/trainer/tfjs-backend-wasm), so the package holds no node_modules; the OpenBLAS addon
// goes in when it built. (The webgpu package, 130 MB of Dawn, stays out: in the
// installed extension `crate-lab doctor` reports webgpu as not installed and auto picks wasm.)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, '.package');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = process.argv[2] ?? join(root, `${manifest.name}-${manifest.version}.vsix`);

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const copy = (from, to = from, filter) => cpSync(join(root, from), join(stage, to), { recursive: true, filter });

// The manifest without what only building needs: vsce would otherwise try to resolve dependencies.
const { devDependencies: _d, dependencies: _p, optionalDependencies: _o, scripts: _s, allowScripts: _a, ...runtime } = manifest;
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(runtime, null, 2)}\n`);
for (const f of ['README.md', 'LICENSE', 'media', 'docs']) copy(f);
copy('dist', 'dist', (src) => !src.endsWith('.map'));
copy('examples', 'examples', (src) => !/[/\\](runs|\.logs)([/\\]|$)/.test(src));
const addon = join('trainer', 'native', 'build', 'Release', 'gemm.node');
if (existsSync(join(root, addon))) copy(addon);


// The staging folder holds exactly what ships; an empty ignore file says so to vsce.
writeFileSync(join(stage, '.vscodeignore'), '');

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { cwd: stage, stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write('package: vsce failed (see above)\n');
  process.exit(r.status ?? 1);
}
rmSync(stage, { recursive: true, force: true });
process.stdout.write(`package: ${out}\n`);
