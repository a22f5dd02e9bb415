#!/usr/bin/env node
// The README's main job. Until the editor panels land, it shows what this machine can run, what
// the model zoo holds and a short training run into runs/, through the same CLI a user calls.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'trainer', 'cli.js');
const show = (args) => {
  process.stdout.write(`\n$ crate-lab ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
};
show(['doctor']);
show(['inspect', '--arch', 'crate-alpha', '--size', 'tiny', '--image', '28', '--patch', '4', '--channels', '1', '--classes', '10']);
show(['bench', '--arch', 'crate-alpha', '--depth', '2', '--width', '64', '--heads', '2', '--image', '28', '--patch', '4', '--channels', '1', '--batch', '16', '--steps', '3']);
show(['train', join('examples', 'quickstart.crate.yaml'), '--runs-dir', 'runs', '--max-steps', '40']);
process.stdout.write('\nMore: npx crate-lab --help, and README.md.\n');
