#!/usr/bin/env node
// One esbuild command per bundle (rust-analyzer's editors/code does the same).
import { build } from 'esbuild';
import { chmodSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tfjs is bundled so that tfjs-core's ESM sources (gradients, chained ops) and every backend
// share one engine; only packages with native binaries load from node_modules.
const external = ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const cli = join(root, 'dist', 'trainer', 'cli.js');
await build({
  entryPoints: [join(root, 'bin', 'main.ts')],
  outfile: cli,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external,
  mainFields: ['module', 'main'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(cli, 0o755);
// tfjs's wasm binaries and their Emscripten glue, loaded by path at run time (trainer/backend/wasm.ts):
// beside the bundle, so that a packaged extension without node_modules has them.
const wasmPackage = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
cpSync(join(wasmPackage, 'wasm-out'), join(root, 'dist', 'trainer', 'tfjs-backend-wasm', 'wasm-out'), { recursive: true });

// The language server, and a large document's worker thread (server/language/largeDocuments.ts)
// beside it: no tfjs may reach either (docs/architecture.md), so the build fails if any module does.
const serverBundles = [
  { entry: join(root, 'server', 'main.ts'), out: 'server.js' },
  { entry: join(root, 'server', 'language', 'largeDocumentWorker.ts'), out: 'largeDocumentWorker.js' },
];
const serverInputs = [];
for (const { entry, out } of serverBundles) {
  const result = await build({
    entryPoints: [entry],
    outfile: join(root, 'dist', 'server', out),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  serverInputs.push(...Object.keys(result.metafile.inputs));
}
const tfjsInServer = serverInputs.filter((f) => f.includes('@tensorflow') || f.endsWith('trainer/tf.ts'));
if (tfjsInServer.length > 0) throw new Error(`the server bundle must not contain tfjs, but it has ${tfjsInServer.join(', ')}`);

// The VS Code extension: the LSP client and the panel hosts; `vscode` is provided by the host.
await build({
  entryPoints: [join(root, 'extension', 'main.ts')],
  outfile: join(root, 'dist', 'extension', 'extension.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  external: ['vscode'],
  // Smaller code loads faster: activation is measured from the first byte read (npm run bench:extension).
  minify: true,
  logLevel: 'warning',
});

// One browser bundle per panel (script + its CSS), no Node APIs.
for (const panel of ['dashboard', 'layers', 'attention', 'compare']) {
  await build({
    entryPoints: [join(root, 'webviews', panel, 'main.ts')],
    outfile: join(root, 'dist', 'webviews', `${panel}.js`),
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    sourcemap: 'linked',
    minify: true,
    logLevel: 'warning',
  });
}
