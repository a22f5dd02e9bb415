// The real-VS-Code harness proves itself on a throwaway extension generated here: code-server
// starts and the workbench loads; a palette command opens a webview whose text the test reads
// (development mode) and its tree view shows items; the packaged path (vsce package →
// code-server --install-extension) gives a working command; extension tests in the real
// extension host pass with exit code 0 and fail with the error in the log. Without the environment
// it fails with the reason; only CRATE_LAB_SKIP_VSCODE skips it (test/support/optOut.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import {
  type CodeServer,
  installExtension,
  listExtensions,
  makeCodeServerDirs,
  startCodeServer,
  tempDirs,
  vscodeGate,
  workbenchUrl,
} from './support/codeServer.js';
import {
  launchChromium,
  openWorkbench,
  runCommand,
  runExtensionTests,
  screenshot,
  showViewContainer,
  waitForText,
  waitForTreeItem,
  webviewFrame,
  withScreenshotOnFailure,
} from './support/workbench.js';

const root = join(__dirname, '..');
const gate = vscodeGate();
const PANEL_TEXT = 'Hello from the harness webview';
const SECOND_TEXT = 'The second panel, beside the first';
const EXT_ID = 'crate-lab-test.harness-ext';

/** A minimal extension: a command opening a webview, a tree view in the Explorer, two test files. */
function writeHarnessExtension(dir: string): void {
  mkdirSync(join(dir, 'tests'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({
    name: 'harness-ext',
    displayName: 'Harness',
    description: 'Throwaway extension of the CRATE Lab test harness',
    publisher: 'crate-lab-test',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.80.0' },
    main: './extension.js',
    activationEvents: [],
    contributes: {
      commands: [
        { command: 'harness.openPanel', title: 'Open Panel', category: 'Harness' },
        { command: 'harness.openSecond', title: 'Open Second Panel', category: 'Harness' },
      ],
      viewsContainers: { activitybar: [{ id: 'harnessBox', title: 'Harness Box', icon: 'icon.svg' }] },
      views: {
        explorer: [{ id: 'harness.items', name: 'Harness Items' }],
        harnessBox: [{ id: 'harness.runs', name: 'Harness Runs' }],
      },
    },
  }, null, 2));
  writeFileSync(join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16"/></svg>');
  writeFileSync(join(dir, 'LICENSE'), 'MIT License\n\nCopyright (c) CRATE Lab\n');
  writeFileSync(join(dir, 'README.md'), '# Harness\n\nThrowaway extension of the test harness.\n');
  writeFileSync(join(dir, '.vscodeignore'), 'tests/**\n');
  writeFileSync(join(dir, 'extension.js'), `
const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('harness.openPanel', () => {
    const panel = vscode.window.createWebviewPanel('harness.panel', 'Harness Panel', vscode.ViewColumn.One, { enableScripts: true });
    panel.webview.html = '<!DOCTYPE html><html><body><h1 id="greeting">${PANEL_TEXT}</h1>'
      + '<p id="computed"></p><script>document.getElementById("computed").textContent = "script ran: " + (6 * 7);</script></body></html>';
  }));
  context.subscriptions.push(vscode.commands.registerCommand('harness.openSecond', () => {
    const panel = vscode.window.createWebviewPanel('harness.second', 'Harness Second', vscode.ViewColumn.Beside, {});
    panel.webview.html = '<!DOCTYPE html><html><body><h1>${SECOND_TEXT}</h1></body></html>';
  }));
  const items = ['alpha item', 'beta item'];
  context.subscriptions.push(vscode.window.registerTreeDataProvider('harness.items', {
    getTreeItem: (label) => new vscode.TreeItem(label),
    getChildren: (el) => (el ? [] : items),
  }));
  context.subscriptions.push(vscode.window.registerTreeDataProvider('harness.runs', {
    getTreeItem: (label) => new vscode.TreeItem(label),
    getChildren: (el) => (el ? [] : ['run-0001 running']),
  }));
};
exports.deactivate = () => {};
`);
  writeFileSync(join(dir, 'tests', 'pass.js'), `
const vscode = require('vscode');
exports.run = async () => {
  const ext = vscode.extensions.getExtension('${EXT_ID}');
  if (!ext) throw new Error('extension not loaded');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  if (!commands.includes('harness.openPanel')) throw new Error('harness.openPanel not registered');
  await vscode.commands.executeCommand('harness.openPanel');
  console.log('HARNESS-PASS-MARK ' + vscode.version);
};
`);
  writeFileSync(join(dir, 'tests', 'fail.js'), `
exports.run = async () => {
  throw new Error('HARNESS-EXPECTED-FAILURE 42');
};
`);
}

/** `vsce package` of `dir` into `out`, offline (no dependency detection, no prompts). */
async function vscePackage(dir: string, out: string): Promise<void> {
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const child = spawn(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((res, rej) => {
    child.once('error', rej);
    child.once('close', res);
  });
  assert.equal(code, 0, `vsce package failed:\n${output}`);
  assert.ok(existsSync(out), `vsce made no ${out}:\n${output}`);
}

describe('real VS Code harness (code-server + Chromium)', { skip: gate.skip }, () => {
  const tmp = tempDirs('crate-lab-harness-');
  let extDir = '';
  let workspace = '';
  let server: CodeServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    gate.check();
    extDir = tmp.make('ext-');
    workspace = tmp.make('ws-');
    writeHarnessExtension(extDir);
    writeFileSync(join(workspace, 'hello.crate.yaml'), 'model:\n  arch: crate-alpha\n');
    [server, browser] = await Promise.all([startCodeServer({ folder: workspace }), launchChromium()]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    tmp.cleanup();
  });

  test('code-server starts and the workbench loads with the folder', { timeout: 120_000 }, async () => {
    const wb = await openWorkbench(browser!, workbenchUrl(server!));
    try {
      await waitForTreeItem(wb.page, 'hello.crate.yaml', { timeoutMs: 60_000 });
      await screenshot(wb.page, 'harness-workbench');
      const health = await fetch(`${server!.url}healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(wb.unexpectedErrors(), []);
    } finally {
      await wb.close();
    }
  });

  test('development mode: the palette command opens a webview and its text is read', { timeout: 120_000 }, async () => {
    const wb = await openWorkbench(browser!, workbenchUrl(server!, { extensionDevelopmentPath: extDir }));
    try {
      await withScreenshotOnFailure(wb.page, 'harness-webview', async () => {
        await runCommand(wb.page, 'Harness: Open Panel');
        const frame = await webviewFrame(wb.page, { title: 'Harness Panel' });
        await waitForText(frame, PANEL_TEXT);
        assert.equal(await frame.locator('#computed').textContent(), 'script ran: 42');
        // A second panel beside the first: each is found by its tab title.
        await runCommand(wb.page, 'Harness: Open Second Panel');
        await waitForText(await webviewFrame(wb.page, { title: 'Harness Second' }), SECOND_TEXT);
        const first = await webviewFrame(wb.page, { title: 'Harness Panel' });
        await waitForText(first, PANEL_TEXT);
        assert.equal(await first.getByText(SECOND_TEXT).count(), 0);
        await waitForTreeItem(wb.page, 'alpha item', { view: 'Harness Items' });
        await screenshot(wb.page, 'harness-webview');
        // A view in a view container of its own (as the Runs view will be).
        await showViewContainer(wb.page, 'Harness Box');
        await waitForTreeItem(wb.page, 'run-0001 running', { view: 'Harness Runs' });
        await screenshot(wb.page, 'harness-view-container');
      });
      assert.deepEqual(wb.unexpectedErrors(), []);
    } finally {
      await wb.close();
    }
  });

  test('packaged: vsce package, code-server --install-extension, then the command works', { timeout: 180_000 }, async () => {
    const vsix = join(tmp.make('vsix-'), 'harness.vsix');
    await vscePackage(extDir, vsix);
    const dirs = makeCodeServerDirs('crate-lab-harness-installed-');
    let installed: CodeServer | undefined;
    try {
      const out = await installExtension(vsix, dirs);
      assert.match(out, /successfully installed/i);
      assert.ok(listExtensions(dirs).includes(EXT_ID), `installed: ${listExtensions(dirs).join(', ')}`);
      installed = await startCodeServer({ folder: workspace, ...dirs });
      const wb = await openWorkbench(browser!, workbenchUrl(installed));
      try {
        await withScreenshotOnFailure(wb.page, 'harness-packaged', async () => {
          await runCommand(wb.page, 'Harness: Open Panel');
          await waitForText(await webviewFrame(wb.page, { title: 'Harness Panel' }), PANEL_TEXT);
          await screenshot(wb.page, 'harness-packaged');
        });
      } finally {
        await wb.close();
      }
    } finally {
      await installed?.stop();
      dirs.remove();
    }
  });

  test('extension tests: a passing run() exits 0', { timeout: 150_000 }, async () => {
    const r = await runExtensionTests({
      server,
      browser,
      extensionDevelopmentPath: extDir,
      extensionTestsPath: join(extDir, 'tests', 'pass.js'),
      folder: workspace,
    });
    assert.equal(r.exitCode, 0, r.log);
    assert.match(r.log, /HARNESS-PASS-MARK/);
  });

  test('extension tests: a throwing run() exits non-zero with the error in the log', { timeout: 150_000 }, async () => {
    const r = await runExtensionTests({
      server,
      browser,
      extensionDevelopmentPath: extDir,
      extensionTestsPath: join(extDir, 'tests', 'fail.js'),
      folder: workspace,
    });
    assert.notEqual(r.exitCode, 0, r.log);
    assert.notEqual(r.exitCode, -1, `no exit code reported:\n${r.log}`);
    assert.match(r.log, /HARNESS-EXPECTED-FAILURE 42/);
  });
});
