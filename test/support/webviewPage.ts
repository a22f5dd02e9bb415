// Panel pages in a real Chromium, as VS Code would host them: the HTML comes from the same
// panelHtml() the extension uses (strict CSP, nonce), served with the built bundles from a
// local HTTP server; `acquireVsCodeApi` records what the panel posts and keeps its state in
// sessionStorage, so a reload restores it as VS Code's webview state does. Host messages go in
// through window.postMessage, as VS Code delivers them, typed arrays included.
import { createServer, type Server } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, extname, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToPanelMessage, PanelKind, PanelState, PanelToHostMessage } from '../../protocol/panelMessages.js';
import { panelHtml } from '../../webviews/panelHtml.js';
import { repoRoot } from './reference.js';
import { type ThemeKind, themeBodyClass, themeVariables } from './vscodeTheme.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const bundles = join(repoRoot, 'dist', 'webviews');

export function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`Chromium is missing at ${chromiumPath}: apt-get install -y chromium (scripts/setup.mjs does)`);
  if (!existsSync(join(bundles, 'dashboard.js'))) throw new Error('dist/webviews is missing: run node scripts/build.mjs first');
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface PanelServer {
  origin: string;
  close(): Promise<void>;
}

const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

/** Serves /webviews/<bundle> from dist/webviews and /panel/<kind> as panelHtml() makes it. */
export async function startPanelServer(): Promise<PanelServer> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const panel = /^\/panel\/(dashboard|layers|attention|compare)$/.exec(url.pathname);
    if (panel) {
      const kind = panel[1] as PanelKind;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(
        panelHtml({
          kind,
          title: `CRATE Lab ${kind}`,
          nonce: randomBytes(16).toString('base64'),
          cspSource: origin,
          scriptUri: `${origin}/webviews/${kind}.js`,
          styleUri: `${origin}/webviews/${kind}.css`,
        }),
      );
      return;
    }
    if (url.pathname === '/favicon.ico') {
      // Webviews never ask for one; answer so Chromium logs no 404 as a console error.
      res.writeHead(204).end();
      return;
    }
    const file = normalize(url.pathname.replace(/^\/webviews\//, ''));
    const path = join(bundles, file);
    if (!url.pathname.startsWith('/webviews/') || file.startsWith('..') || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
    res.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no server address');
  origin = `http://127.0.0.1:${address.port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Typed arrays cross page.evaluate as base64 and are rebuilt in the page. */
type Encoded = unknown;

function encode(value: unknown): Encoded {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return { __typed: value instanceof Float32Array ? 'Float32Array' : 'Float64Array', b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  return value;
}

/**
 * What VS Code provides inside a webview, as page script text (a string, not a function: the
 * test's TypeScript transform would add helpers to a function that the page does not have).
 */
function harnessScript(vars: Record<string, string>, bodyClass: string): string {
  return `(() => {
  const key = ${JSON.stringify(stateKey)};
  const posted = [];
  window.__posted = posted;
  let acquired = false;
  // As in VS Code: one handle per page; the state survives reloads.
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return Object.freeze({
      postMessage: (m) => { posted.push(m); },
      getState: () => { const s = sessionStorage.getItem(key); return s === null ? undefined : JSON.parse(s); },
      setState: (s) => { sessionStorage.setItem(key, JSON.stringify(s)); return s; },
    });
  };
  window.__revive = function revive(v) {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      if (v.__typed && v.b64 !== undefined) {
        const bytes = Uint8Array.from(atob(v.b64), (c) => c.charCodeAt(0));
        return v.__typed === 'Float32Array' ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
    }
    return v;
  };
  window.__setTheme = (vars, bodyClass) => {
    if (!document.documentElement) return false;
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
    if (!document.body) return false;
    document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast');
    document.body.classList.add(bodyClass);
    return true;
  };
  // Pixels of a canvas region given in CSS pixels relative to the canvas: [r,g,b,a,…] row-major.
  window.__canvasPixels = (selector, x, y, w, h) => {
    const c = document.querySelector(selector);
    if (!c) throw new Error('no canvas ' + selector);
    const k = c.width / c.getBoundingClientRect().width;
    const img = c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k)));
    // Base64 crosses the CDP channel an order of magnitude faster than a JSON number list.
    let binary = '';
    for (let i = 0; i < img.data.length; i += 0x8000) binary += String.fromCharCode.apply(null, img.data.subarray(i, i + 0x8000));
    return { width: img.width, height: img.height, scale: k, b64: btoa(binary) };
  };
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
  });
  const vars = ${JSON.stringify(vars)};
  const bodyClass = ${JSON.stringify(bodyClass)};
  if (!window.__setTheme(vars, bodyClass)) {
    const mo = new MutationObserver(() => { if (window.__setTheme(vars, bodyClass)) mo.disconnect(); });
    mo.observe(document, { childList: true, subtree: true });
  }
})();`;
}

const stateKey = '__crateLabWebviewState';

export interface Pixels {
  width: number;
  height: number;
  /** Device pixels per CSS pixel. */
  scale: number;
  data: Uint8Array;
}

export interface PanelPage {
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  send(message: HostToPanelMessage): Promise<void>;
  posted(): Promise<PanelToHostMessage[]>;
  waitForPosted<T extends PanelToHostMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<PanelToHostMessage, { type: T }>>;
  setTheme(kind: ThemeKind): Promise<void>;
  /** RGBA pixels of a canvas region, in CSS pixels relative to the canvas. */
  pixels(selector: string, x: number, y: number, w: number, h: number): Promise<Pixels>;
  /** The state the panel last gave setState. */
  state(): Promise<PanelState | undefined>;
}

export async function openPanel(browser: Browser, server: PanelServer, kind: PanelKind, o: { theme?: ThemeKind; viewport?: { width: number; height: number } } = {}): Promise<PanelPage> {
  const theme = o.theme ?? 'dark';
  const page = await browser.newPage({ viewport: o.viewport ?? { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  await page.addInitScript(harnessScript(themeVariables(theme), themeBodyClass(theme)));
  await page.goto(`${server.origin}/panel/${kind}`);
  const posted = () => page.evaluate('window.__posted.slice()') as Promise<PanelToHostMessage[]>;
  return {
    page,
    problems,
    posted,
    async send(message) {
      await page.evaluate('window.postMessage(window.__revive(' + JSON.stringify(encode(message)) + "), '*')");
    },
    async waitForPosted(type, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await posted()).filter((m) => m.type === type).pop();
        if (found) return found as never;
        if (Date.now() > deadline) throw new Error(`the panel did not post ${type}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async setTheme(kind) {
      await page.evaluate(`window.__setTheme(${JSON.stringify(themeVariables(kind))}, ${JSON.stringify(themeBodyClass(kind))})`);
    },
    async pixels(selector, x, y, w, h) {
      const r = (await page.evaluate(`window.__canvasPixels(${JSON.stringify(selector)}, ${x}, ${y}, ${w}, ${h})`)) as Omit<Pixels, 'data'> & { b64: string };
      return { width: r.width, height: r.height, scale: r.scale, data: new Uint8Array(Buffer.from(r.b64, 'base64')) };
    },
    state: () => page.evaluate(`JSON.parse(sessionStorage.getItem(${JSON.stringify(stateKey)}) ?? 'null') ?? undefined`) as Promise<PanelState | undefined>,
  };
}
