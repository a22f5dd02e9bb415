// The commands' logic in VS Code's real extension host (code-server), with the real language
// server and trainer: test/vscode/extensionHostSuite.ts, bundled here and run through
// `extensionTestsPath`. Under CI=true a missing VS Code fails these tests instead of skipping them.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { tempDirs, vscodeGate } from './support/codeServer.js';
import { runCli } from './support/cli.js';
import { runExtensionTests } from './support/workbench.js';

const root = join(__dirname, '..');
const gate = vscodeGate();

/** test/vscode/NAME.ts bundled for the extension host (which provides `vscode`). */
async function bundleSuite(name: string, dir: string): Promise<string> {
  const outfile = join(dir, 'index.js');
  await build({ entryPoints: [join(root, 'test', 'vscode', `${name}.ts`)], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
  return outfile;
}

describe('extension host', { skip: gate.skip }, () => {
  const temp = tempDirs('crate-lab-exthost-');
  let suite = '';
  before(async () => {
    gate.check();
    suite = await bundleSuite('extensionHostSuite', temp.make('suite'));
  });
  after(() => temp.cleanup());

  test('commands: new config, refused broken config, launch, panels, stop, export CSV, resume, compare, delete', { timeout: 600_000 }, async () => {
    const folder = temp.make('workspace');
    const { exitCode, log } = await runExtensionTests({ extensionDevelopmentPath: root, extensionTestsPath: suite, folder, timeoutMs: 540_000 });
    const results = log.split('\n').filter((l) => /^\[info\].*[✔✖]/.test(l));
    console.log(results.join('\n'));
    assert.equal(exitCode, 0, `extension-host tests failed (exit ${exitCode}):\n${results.join('\n')}\n--- log tail ---\n${log.split('\n').slice(-60).join('\n')}`);
    assert.ok(results.length >= 9 && results.every((l) => l.includes('✔')), `every test reported:\n${results.join('\n')}`);
  });
});

describe('extension host in Restricted Mode', { skip: gate.skip }, () => {
  const temp = tempDirs('crate-lab-restricted-');
  after(() => temp.cleanup());

  test('an untrusted folder: runs and panels can be viewed; launch, resume and delete are refused', { timeout: 300_000 }, async () => {
    gate.check();
    const folder = temp.make('workspace');
    const config = join(folder, 'tiny.crate.yaml');
    writeFileSync(config, 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}\ndata: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}\noptim: {batchSize: 16, maxSteps: 2}\n');
    const trained = runCli(['train', config, '--runs-dir', join(folder, 'runs')]);
    assert.equal(trained.status, 0, trained.stderr);
    const suite = await bundleSuite('restrictedModeSuite', temp.make('suite'));
    const { exitCode, log } = await runExtensionTests({ extensionDevelopmentPath: root, extensionTestsPath: suite, folder, serverOptions: { workspaceTrust: true }, timeoutMs: 240_000 });
    assert.equal(exitCode, 0, `restricted-mode tests failed (exit ${exitCode}):\n${log.split('\n').slice(-60).join('\n')}`);
    assert.match(log, /✔ restricted mode/);
  });
});
