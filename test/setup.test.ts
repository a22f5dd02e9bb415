// Set-up (scripts/setup.mjs, scripts/vscodeEnv.mjs): nested installs get a clean environment,
// and a step that the tests need and that failed stops `npm test` with its reason and the
// command that fixes it. (That set-up works from an empty cache through npm is what every CI
// run proves: .ci/run gives `npm test` a new, empty CRATE_LAB_CACHE.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cleanInstallEnv } from '../scripts/vscodeEnv.mjs';

const root = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'crate-lab-setup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('a nested npm install inherits nothing of the npm that started set-up', () => {
  // What `npm test` on Node 20 exports to its script (abridged from a real run).
  const outer = {
    HOME: '/root',
    LANG: 'C.UTF-8',
    NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
    npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
    npm_config_nodedir: '/usr',
    npm_config_cafile: '/etc/ssl/certs/ca-certificates.crt',
    npm_package_name: 'crate-lab',
    npm_lifecycle_event: 'test',
    npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
    npm_node_execpath: '/usr/bin/node',
    NPM_CONFIG_PREFIX: '/somewhere',
    INIT_CWD: '/work/main',
    NODE: '/usr/bin/node',
    PATH: '/work/main/node_modules/.bin:/work/node_modules/.bin:/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/local/bin:/usr/bin:/bin',
  };
  assert.deepEqual(cleanInstallEnv(outer), {
    HOME: '/root',
    LANG: 'C.UTF-8',
    NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
    PATH: '/usr/local/bin:/usr/bin:/bin',
  });
});

test('npm test stops at a failed set-up step with the step, its reason and the fix', () => {
  // A cache "folder" that is a file: Node 24 and code-server cannot be installed into it.
  const notAFolder = join(tmp, 'cache-file');
  writeFileSync(notAFolder, 'not a folder\n');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs'), 'test'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CRATE_LAB_CACHE: notAFolder, CRATE_LAB_SKIP_BUILD: '1', CRATE_LAB_SKIP_VSCODE: '' },
    timeout: 120_000,
  });
  assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], new RegExp(`^\\[setup\\] FAILED: Node 24 \\+ code-server \\+ Chromium: .*${notAFolder}`));
  assert.equal(lines[1], '[setup] to fix: node scripts/setup.mjs test (after fixing the cause above; CRATE_LAB_SKIP_VSCODE=1 skips the real-VS-Code tests)');
});

test('set-up refuses an unknown purpose', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs'), 'tests'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'setup: unknown purpose "tests" (test, start, or none)\n');
});

test('the cache rule (trainer/io/cacheRoot.mjs, shared by set-up and the trainer\'s data cache): $CRATE_LAB_CACHE, else $XDG_CACHE_HOME/crate-lab, else ~/.cache/crate-lab', () => {
  // Each in a process of its own, with only the variables of the case (HOME decides the last one).
  const probe = [
    "const env = await import('./scripts/vscodeEnv.mjs');",
    'console.log(JSON.stringify([env.cacheRoot(), env.vscodePaths().cacheRoot]));',
  ].join('\n');
  const rootOf = (vars: Record<string, string>): string[] => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH!, ...vars } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as string[];
  };
  const home = join(tmp, 'home');
  assert.deepEqual(rootOf({ HOME: home, CRATE_LAB_CACHE: 'relative/cache', XDG_CACHE_HOME: '/xdg' }), [join(root, 'relative/cache'), join(root, 'relative/cache')]);
  assert.deepEqual(rootOf({ HOME: home, XDG_CACHE_HOME: '/xdg' }), ['/xdg/crate-lab', '/xdg/crate-lab']);
  assert.deepEqual(rootOf({ HOME: home, XDG_CACHE_HOME: '' }), [join(home, '.cache', 'crate-lab'), join(home, '.cache', 'crate-lab')]);
});
