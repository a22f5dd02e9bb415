// The protocol folder's facts against what declares them elsewhere: package.json's commands,
// menus and links name exactly protocol/commands.ts's ids; error codes mean one thing each;
// protocol/ imports nothing but itself, the trainer's tfjs-free run format and the LSP protocol.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commands } from '../protocol/commands.js';
import { ErrorCodes } from '../protocol/errorCodes.js';
import { endReason } from '../protocol/runPredicates.js';
import { repoRoot } from './support/reference.js';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus?: Record<string, { command?: string }[]>;
    keybindings?: { command: string }[];
    viewsWelcome?: { contents: string }[];
  };
}

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const ids = new Set<string>(Object.values(commands));

test('package.json contributes exactly the commands of protocol/commands.ts', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command);
  assert.equal(new Set(contributed).size, contributed.length, `a command contributed twice: ${contributed.join(', ')}`);
  assert.deepEqual([...contributed].sort(), [...ids].sort());
});

test("package.json's menus, keybindings and welcome links name only protocol commands", () => {
  const named: [string, string][] = [];
  for (const [menu, items] of Object.entries(manifest.contributes.menus ?? {})) for (const item of items) if (item.command) named.push([`menus.${menu}`, item.command]);
  for (const k of manifest.contributes.keybindings ?? []) named.push(['keybindings', k.command]);
  for (const w of manifest.contributes.viewsWelcome ?? []) for (const m of w.contents.matchAll(/\(command:([\w.]+)\)/g)) named.push(['viewsWelcome', m[1]]);
  assert.ok(named.length > 10, `menus and links found (${named.length})`);
  assert.deepEqual(named.filter(([, c]) => !ids.has(c)), []);
});

test('each error code has one meaning', () => {
  const values = Object.values(ErrorCodes).filter((v) => typeof v === 'number');
  assert.ok(values.length >= 9);
  assert.equal(new Set(values).size, values.length, `a code used twice: ${values.join(', ')}`);
});

test('protocol/ imports only itself, the run format and the LSP protocol (no tfjs, nothing of VS Code)', () => {
  const allowed = /^(\.\/[\w]+\.js|\.\.\/trainer\/run\/(format|scalarPoints)\.js|vscode-languageserver-protocol)$/;
  const dir = join(repoRoot, 'protocol');
  const found: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gm)) if (!allowed.test(m[1])) found.push(`${file}: ${m[1]}`);
  }
  assert.deepEqual(found, []);
});

test("endReason: why a run ended badly is run.json's reason, not a damaged file of the run, which shows only when there is no reason", () => {
  const failed = { status: 'failed' as const, statusReason: 'data: no images in ./empty', error: 'annotations.json: tags must be a list' };
  assert.equal(endReason(failed), 'data: no images in ./empty');
  assert.equal(endReason({ status: 'failed', error: 'run.json is not JSON' }), 'run.json is not JSON');
  assert.equal(endReason({ status: 'diverged' }), 'diverged');
});
