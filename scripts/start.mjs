#!/usr/bin/env node
// The README's main job. Until the trainer and the editor panels land, it shows what this
// machine can run and what the model zoo holds, through the same CLI a user calls.
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'trainer', 'cli.js');
const show = (args) => {
  process.stdout.write(`\n$ crate-lab ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'inherit', 'ignore'] });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
};
show(['doctor']);
show(['inspect', '--arch', 'crate-alpha', '--size', 'tiny', '--image', '28', '--patch', '4', '--channels', '1', '--classes', '10']);
show(['bench', '--arch', 'crate-alpha', '--depth', '2', '--width', '64', '--heads', '2', '--image', '28', '--patch', '4', '--channels', '1', '--batch', '16', '--steps', '3']);
process.stdout.write('\nMore: npx crate-lab --help, and README.md.\n');
