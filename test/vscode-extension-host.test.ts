// The commands' logic in VS Code's real extension host (code-server), with the real language
// server and trainer: test/vscode/extensionHostSuite.ts, bundled here and run through
// `extensionTestsPath`. Under CI=true a missing VS Code fails these tests instead of skipping them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { tempDirs, vscodeGate } from './support/codeServer.js';
import { runExtensionTests } from './support/workbench.js';

const root = join(__dirname, '..');
const gate = vscodeGate();

describe('extension host', { skip: gate.skip }, () => {
  const temp = tempDirs('crate-lab-exthost-');
  let suite = '';
  before(async () => {
    gate.check();
    suite = join(temp.make('suite'), 'index.js');
    await build({ entryPoints: [join(root, 'test', 'vscode', 'extensionHostSuite.ts')], outfile: suite, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
  });
  after(() => temp.cleanup());

  test('commands: new config, refused broken config, launch, panels, stop, export CSV, resume, compare, delete', { timeout: 600_000 }, async () => {
    const folder = temp.make('workspace');
    const { exitCode, log } = await runExtensionTests({ extensionDevelopmentPath: root, extensionTestsPath: suite, folder, timeoutMs: 540_000 });
    const results = log.split('\n').filter((l) => /[✔✖]/.test(l));
    console.log(results.join("\n"));
    assert.equal(exitCode, 0, `extension-host tests failed (exit ${exitCode}):\n${results.join('\n')}\n--- log tail ---\n${log.split('\n').slice(-60).join('\n')}`);
    assert.ok(results.length >= 9 && results.every((l) => l.includes('✔')), `every test reported:\n${results.join('\n')}`);
  });
});
