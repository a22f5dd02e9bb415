// `npm run bench:extension`: how long the packaged extension takes to activate in a real VS Code
// (code-server), as VS Code itself measures it ("Developer: Show Running Extensions": code
// loading + activate() + its promise). Cold start of the window each time, 5 windows, median.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installExtension, makeCodeServerDirs, startCodeServer } from './vscodeEnv.mjs';
import { launchChromium, openWorkbench, runCommand } from '../test/support/workbench.js';

const root = join(__dirname, '..');
const windows = Number(process.argv[2] ?? 5);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'crate-bench-ext-'));
  const vsix = join(work, 'crate-lab.vsix');
  const packaged = spawnSync(process.execPath, [join(root, 'scripts', 'package.mjs'), vsix], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (packaged.status !== 0) throw new Error('packaging failed');
  const folder = join(work, 'workspace');
  cpSync(join(root, 'examples'), folder, { recursive: true, filter: (src) => !/[/\\](runs|\.logs)([/\\]|$)/.test(src) });
  const dirs = makeCodeServerDirs('crate-bench-ext-cs-');
  await installExtension(vsix, dirs);
  const server = await startCodeServer({ folder, ...dirs, timeoutMs: 90_000 });
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i < windows; i++) {
      const wb = await openWorkbench(browser, server.url, { timeoutMs: 120_000 });
      try {
        await runCommand(wb.page, 'Developer: Show Running Extensions', { timeoutMs: 60_000 });
        const row = wb.page.locator('.runtime-extensions-editor .monaco-list-row').filter({ hasText: 'CRATE Lab' }).first();
        await row.waitFor({ state: 'visible', timeout: 60_000 });
        const text = await row.innerText();
        const ms = /activation[^\d]*([\d.]+)\s*ms/i.exec(text);
        if (!ms) throw new Error(`no activation time in: ${text}`);
        times.push(Number(ms[1]));
        process.stdout.write(`window ${i + 1}: ${text.replace(/\s+/g, ' ').trim()}\n`);
      } finally {
        await wb.close();
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    dirs.remove();
    rmSync(work, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  process.stdout.write(`activation (VS Code's measure) over ${times.length} windows: median ${sorted[Math.floor(sorted.length / 2)]} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms (target < 100 ms)\n`);
}

main().catch((e) => {
  process.stderr.write(`bench-extension: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
