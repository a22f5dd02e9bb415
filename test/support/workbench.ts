// Playwright helpers for the real VS Code (code-server) in Debian's Chromium: open the workbench,
// run palette commands, reach into webviews, wait for views, keep screenshots as CI artifacts
// (test-results/vscode/), and run extension tests in the real extension host.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { startCodeServer, vscodeEnv, workbenchUrl, type CodeServer, type StartCodeServerOptions } from './codeServer.js';

const root = join(__dirname, '..', '..');
/** Where screenshots go (kept by CI as artifacts). */
export const screenshotDir = join(root, 'test-results', 'vscode');

/** Chromium flags that work on these machines (see VSCODE-E2E.md); headless is added by launch. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium through playwright-core, headless, with a fresh profile (removed on close). */
export async function launchChromium(options: { headless?: boolean; args?: string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: vscodeEnv().chromium,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    timeout: 60_000,
  });
}

/**
 * Console errors of code-server's workbench itself, not of CRATE Lab: the proprietary `vsda`
 * module is not shipped, and offline the GitHub sign-in provider never registers (logged about
 * 8 s after start when the machine is busy).
 */
export const BENIGN_CONSOLE_ERRORS: RegExp[] = [/\/vsda\//, /Timed out waiting for authentication provider 'github' to register/];

export interface Workbench {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, in order ("text (url)"). */
  consoleErrors: string[];
  /** consoleErrors less BENIGN_CONSOLE_ERRORS. */
  unexpectedErrors(): string[];
  /** Every console line (type: text). */
  console: string[];
  /** Closes the context (the browser stays). */
  close(): Promise<void>;
}

export interface OpenWorkbenchOptions {
  /** Wait until the workbench is restored (default true). */
  waitForReady?: boolean;
  timeoutMs?: number;
  viewport?: { width: number; height: number };
  /** Called before navigation, e.g. to exposeFunction. */
  beforeNavigate?: (page: Page) => Promise<void>;
}

/** Opens `url` (see workbenchUrl) in a new browser context and waits for the workbench. */
export async function openWorkbench(browser: Browser, url: string, options: OpenWorkbenchOptions = {}): Promise<Workbench> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1400, height: 900 } });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const lines: string[] = [];
  page.on('console', (m) => {
    const text = `${m.type()}: ${m.text()}`;
    lines.push(text);
    if (m.type() === 'error') consoleErrors.push(m.location().url ? `${m.text()} (${m.location().url})` : m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  try {
    await options.beforeNavigate?.(page);
    await page.goto(url, { timeout: options.timeoutMs ?? 90_000 });
    if (options.waitForReady ?? true) await waitForWorkbench(page, options.timeoutMs ?? 90_000);
  } catch (e) {
    await context.close().catch(() => {});
    throw e;
  }
  return {
    context,
    page,
    consoleErrors,
    unexpectedErrors: () => consoleErrors.filter((e) => !BENIGN_CONSOLE_ERRORS.some((re) => re.test(e))),
    console: lines,
    close: () => context.close().catch(() => {}),
  };
}

/** Waits for the workbench to be restored (the smoke-test driver's own signal when present). */
export async function waitForWorkbench(page: Page, timeoutMs = 90_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  const hasDriver = await page
    .waitForFunction(() => !!(window as unknown as { driver?: unknown }).driver, undefined, { timeout: 15_000 })
    .then(() => true, () => false);
  if (hasDriver) {
    await page.evaluate(() => (window as unknown as { driver: { whenWorkbenchRestored(): Promise<void> } }).driver.whenWorkbenchRestored());
  }
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
}

const quickInput = '.quick-input-widget';

/**
 * Runs a palette command by its title ("Category: Title" or the bare title, as the palette shows
 * it): F1, typed with keyboard.type, Enter on the row whose label is the title. While the
 * extension has not registered the command the palette says "No matching commands" and does not
 * refresh, and a webview still loading may swallow F1: retry until `timeoutMs`.
 */
export async function runCommand(page: Page, title: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last = '';
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator(`${quickInput} .quick-input-box input`);
    if (!(await input.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false))) {
      // A webview still loading can hold the keyboard and swallow F1: give it back to the
      // workbench (a click on the side bar's title, which does nothing else) and try again.
      last = 'F1 opened no command palette';
      if (Date.now() > deadline) throw new Error(`runCommand: "${title}": ${last} after ${attempt + 1} attempts`);
      await page.locator('.part.sidebar .composite.title .title-label').first().click({ timeout: 5_000 }).catch(() => {});
      continue;
    }
    await page.keyboard.type(title, { delay: 5 });
    // Rows or the "no results" message, whichever comes first.
    const state = await page
      .waitForFunction(
        ([sel, want]) => {
          const w = document.querySelector(sel as string);
          if (!w) return undefined;
          const rows = Array.from(w.querySelectorAll('.quick-input-list .monaco-list-row'));
          const labels = rows.map((r) => (r.querySelector('.label-name, .monaco-highlighted-label')?.textContent ?? r.textContent ?? '').trim());
          const exact = labels.findIndex((l) => l === want);
          if (exact >= 0) return { kind: 'row', index: exact, labels };
          const msg = w.querySelector('.quick-input-message')?.textContent ?? '';
          const empty = /no matching/i.test(msg) || /no matching/i.test(w.textContent ?? '');
          if (empty) return { kind: 'none', labels };
          return undefined;
        },
        [quickInput, title],
        { timeout: 5_000, polling: 100 },
      )
      .then((h) => h.jsonValue() as Promise<{ kind: string; index?: number; labels: string[] }>, () => undefined);
    if (state?.kind === 'row') {
      const rows = page.locator(`${quickInput} .quick-input-list .monaco-list-row`);
      for (let i = 0; i < (state.index ?? 0); i++) await page.keyboard.press('ArrowDown');
      void rows;
      await page.keyboard.press('Enter');
      // Accepted, the palette closes at once (before the command runs). Still open with the
      // title typed, the Enter was lost (the list was redrawn under it): the command did not
      // run, so running it again cannot run it twice.
      const accepted = await page
        .waitForFunction(
          ([sel, typed]) => {
            const w = document.querySelector(sel as string);
            const input = w?.querySelector('.quick-input-box input') as HTMLInputElement | null;
            return !w || getComputedStyle(w).display === 'none' || !input || !input.value.includes(typed as string);
          },
          [quickInput, title],
          { timeout: 5_000, polling: 100 },
        )
        .then(() => true, () => false);
      if (accepted) return;
      last = 'Enter left the palette open';
      if (Date.now() > deadline) throw new Error(`runCommand: "${title}": ${last} after ${attempt + 1} attempts`);
      continue;
    }
    last = state ? `no row "${title}" (rows: ${state.labels.join(' | ') || 'none'})` : 'the palette showed neither rows nor "No matching commands"';
    if (Date.now() > deadline) {
      await page.keyboard.press('Escape');
      throw new Error(`runCommand: "${title}" not found in the command palette after ${attempt + 1} attempts: ${last}`);
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  }
}

/**
 * The inner frame of a webview (`iframe.webview.ready` → `#active-frame`). With `title`, the
 * editor tab with that title is activated first and the webview shown over that tab's editor
 * group is taken (panels side by side work); without, the last visible webview.
 */
export async function webviewFrame(page: Page, options: { title?: string; timeoutMs?: number } = {}): Promise<FrameLocator> {
  const timeout = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeout;
  let index = -1;
  if (options.title) {
    const tab = editorTab(page, options.title);
    await tab.waitFor({ state: 'visible', timeout });
    await tab.click();
    const group = page.locator('.editor-group-container').filter({ has: tab }).first();
    for (;;) {
      const box = await group.boundingBox();
      index = box
        ? await page.evaluate((g) => {
            const frames = Array.from(document.querySelectorAll('iframe.webview.ready'));
            let best = -1;
            let bestArea = 0;
            frames.forEach((f, i) => {
              const r = f.getBoundingClientRect();
              if (getComputedStyle(f).visibility === 'hidden' || r.width === 0 || r.height === 0) return;
              let el: HTMLElement | null = f as HTMLElement;
              while (el) {
                const cs = getComputedStyle(el);
                if (cs.visibility === 'hidden' || cs.display === 'none') return;
                el = el.parentElement;
              }
              const w = Math.min(r.right, g.x + g.width) - Math.max(r.left, g.x);
              const h = Math.min(r.bottom, g.y + g.height) - Math.max(r.top, g.y);
              const area = w > 0 && h > 0 ? w * h : 0;
              if (area > bestArea) {
                best = i;
                bestArea = area;
              }
            });
            return best;
          }, box)
        : -1;
      if (index >= 0) break;
      if (Date.now() > deadline) throw new Error(`webviewFrame: no webview shown for the tab "${options.title}" within ${timeout} ms`);
      await page.waitForTimeout(200);
    }
  } else {
    await page.locator('iframe.webview.ready:visible').last().waitFor({ state: 'attached', timeout });
  }
  const outer = index >= 0 ? `iframe.webview.ready >> nth=${index}` : 'iframe.webview.ready:visible >> nth=-1';
  const frame = page.frameLocator(outer).frameLocator('#active-frame');
  await frame.locator('body').waitFor({ state: 'attached', timeout: Math.max(1000, deadline - Date.now()) });
  return frame;
}

/** The editor tab whose label is `title`. */
export function editorTab(page: Page, title: string): Locator {
  return page.locator('.tabs-container .tab').filter({ has: page.locator('.label-name', { hasText: title }) }).first();
}

/** Waits until `text` is visible in a page or a webview frame; returns its locator. */
export async function waitForText(scope: Page | FrameLocator, text: string | RegExp, timeoutMs = 60_000): Promise<Locator> {
  const loc = scope.getByText(text).first();
  await loc.waitFor({ state: 'visible', timeout: timeoutMs });
  return loc;
}

/**
 * Waits for a tree item (Explorer, a contributed view…) whose label contains `label`; with
 * `view`, only inside the pane whose header title is `view` (e.g. "Runs").
 */
export async function waitForTreeItem(page: Page, label: string | RegExp, options: { view?: string; timeoutMs?: number } = {}): Promise<Locator> {
  const timeout = options.timeoutMs ?? 60_000;
  let scope: Locator;
  if (options.view) {
    const pane = await expandView(page, options.view, timeout);
    scope = pane;
  } else {
    scope = page.locator('.part.sidebar, .part.auxiliarybar, .part.panel');
  }
  const item = scope.locator('.monaco-list-row[role="treeitem"]').filter({ hasText: label }).first();
  await item.waitFor({ state: 'visible', timeout });
  return item;
}

/** Opens a view container of the activity bar by its title ("View: Show TITLE" in the palette). */
export async function showViewContainer(page: Page, title: string, options: { timeoutMs?: number } = {}): Promise<void> {
  await runCommand(page, `View: Show ${title}`, options);
}

/**
 * The pane of a view (by its header title, e.g. "Runs"), expanded if it was collapsed. The view
 * must be in a visible container: open that first (e.g. runCommand(page, 'View: Show CRATE Lab')
 * or click its activity bar entry).
 */
export async function expandView(page: Page, view: string, timeoutMs = 60_000): Promise<Locator> {
  const header = page.locator('.pane-header').filter({ has: page.locator('h3.title', { hasText: view }) }).first();
  // The only view of a container has a hidden header (the container's title stands for it).
  await header.waitFor({ state: 'attached', timeout: timeoutMs });
  if ((await header.isVisible()) && (await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return page.locator('.pane').filter({ has: header }).first();
}

/**
 * Runs `fn`; when it throws, keeps a screenshot NAME-failure.png (and rethrows). For the
 * evidence of a red CI run.
 */
export async function withScreenshotOnFailure<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await screenshot(page, `${name}-failure`);
    throw e;
  }
}

/** Screenshot into test-results/vscode/NAME.png; returns the path. Never throws. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = join(screenshotDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, timeout: 15_000 }).catch(() => {});
  return file;
}

export interface ExtensionTestsOptions {
  /** Absolute path(s) of the extension(s) to load in development mode. */
  extensionDevelopmentPath: string | string[];
  /** Absolute path of a module exporting `run(): Promise<void>` (or its folder with index.js). */
  extensionTestsPath: string;
  /** Folder to open (absolute). */
  folder?: string;
  /** Reuse a running code-server; otherwise one is started for this run and stopped after it. */
  server?: CodeServer;
  /** Options for the code-server this starts (not used with `server`). */
  serverOptions?: StartCodeServerOptions;
  /** Reuse a browser; otherwise Chromium is launched and closed. */
  browser?: Browser;
  /** Default 120 s. */
  timeoutMs?: number;
}

export interface ExtensionTestsResult {
  /** What the extension host reported (0 = run() resolved); -1 when it did not report in time. */
  exitCode: number;
  /** Console of the window and the extension host, one entry per line. */
  log: string;
}

/**
 * Runs extension tests in code-server's real extension host: the window opened with
 * `payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]]` runs `run()` and reports
 * through window.codeAutomationExit.
 */
export async function runExtensionTests(options: ExtensionTestsOptions): Promise<ExtensionTestsResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const server = options.server ?? (await startCodeServer({ ...options.serverOptions }));
  const browser = options.browser ?? (await launchChromium().catch(async (e) => {
    if (!options.server) await server.stop();
    throw e;
  }));
  const log: string[] = [];
  let context: BrowserContext | undefined;
  try {
    context = await browser.newContext();
    const page = await context.newPage();
    let exit: (code: number) => void = () => {};
    const exited = new Promise<number>((res) => (exit = res));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      log.push(`[${type}] ${(Array.isArray(args) ? args : [args]).map(fmt).join(' ')}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exit(Number(code)));
    page.on('console', (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    const url = workbenchUrl(server, {
      folder: options.folder,
      extensionDevelopmentPath: options.extensionDevelopmentPath,
      extensionTestsPath: options.extensionTestsPath,
    });
    await page.goto(url, { timeout: timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    const exitCode = await Promise.race([
      exited,
      new Promise<number>((res) => (timer = setTimeout(() => res(-1), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (exitCode === -1) {
      log.push(`[runner] no exit code within ${timeoutMs} ms`);
      await screenshot(page, `extension-tests-timeout-${Date.now()}`);
    }
    return { exitCode, log: log.join('\n') };
  } finally {
    await context?.close().catch(() => {});
    if (!options.browser) await browser.close().catch(() => {});
    if (!options.server) await server.stop();
  }
}

function fmt(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
