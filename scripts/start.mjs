#!/usr/bin/env node
// The README's main job: CRATE Lab in a real VS Code in the browser (code-server), with the
// examples folder open and the packaged extension installed, then the URL. Ctrl-C stops it;
// trainers started from it go on (they are detached), and `npm start` again finds their runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, installExtension, startCodeServer, vscodeEnvProblem } from './vscodeEnv.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'trainer', 'cli.js');
const say = (s) => process.stdout.write(`${s}\n`);

say('\n$ crate-lab doctor');
spawnSync(process.execPath, [cli, 'doctor'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const problem = vscodeEnvProblem();
if (problem) {
  say(`\nVS Code (code-server) is not available here: ${problem}`);
  say('The CLI works without it: npx crate-lab train examples/quickstart.crate.yaml');
  process.exit(1);
}

// Kept between starts (settings, open editors, the installed extension), outside the repo.
const state = join(cacheRoot(), 'start');
const vsix = join(state, 'crate-lab.vsix');
mkdirSync(state, { recursive: true });
const packaged = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), vsix], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (packaged.status !== 0) process.exit(packaged.status ?? 1);

const dirs = { home: join(state, 'home'), userDataDir: join(state, 'user-data'), extensionsDir: join(state, 'extensions') };
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
await installExtension(vsix, dirs);

const port = Number(process.env.PORT ?? 8080);
const server = await startCodeServer({ folder: join(root, 'examples'), port, ...dirs, timeoutMs: 90_000 }).catch(async (e) => {
  say(`port ${port} did not work (${e.message.split('\n')[0]}); trying a free port`);
  return startCodeServer({ folder: join(root, 'examples'), ...dirs, timeoutMs: 90_000 });
});
say(`\nCRATE Lab is running in VS Code at ${server.url}`);
say('Open it in a browser; open quickstart.crate.yaml and click "▶ Train" (or F1 → "CRATE Lab: Launch Training Run").');
say('Ctrl-C stops VS Code; trainers keep running in the background.');
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
