// @ts-check
// A real VS Code for tests and `npm start`: code-server from npm, run by Node 24 from npm, and
// Debian's Chromium for Playwright (see ../shared/VSCODE-E2E.md). Plain JavaScript so that both
// plain `node` scripts and the TypeScript tests (through tsx) import it.
//
//   setupVscodeEnv()    installs Node 24 and code-server into a cache outside the repository,
//                       keyed by version, with a stamp written only after success (idempotent)
//   vscodeEnv()         → { node24Bin, codeServerBin, chromium, ... } or throws VscodeEnvError
//   startCodeServer()   → { url, port, stop(), ... } once /healthz answers
//   installExtension()  code-server --install-extension with the same directories
//   workbenchUrl()      the page to open: a folder, development mode, extension tests
//
// Every child is spawned without a shell, with an argument array; code-server runs detached (its
// own process group) and is stopped with process.kill(-pid); its HOME is a temporary directory.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../trainer/io/cacheRoot.mjs';

/**
 * @typedef {object} VscodeEnv
 * @property {string} node24Bin Node 24's executable (runs code-server).
 * @property {string} node24BinDir
 * @property {string} node24Version
 * @property {string} codeServerBin node_modules/.bin/code-server (a `#!/usr/bin/env node` script: needs Node 24 first on PATH).
 * @property {string} codeServerEntry The JavaScript entry that `node24Bin` runs.
 * @property {string} codeServerVersion
 * @property {string} chromium Debian's Chromium, for playwright-core's executablePath.
 * @property {string} cacheRoot
 */
/**
 * @typedef {object} VscodePaths
 * @property {string} cacheRoot
 * @property {string} node24Prefix
 * @property {string} codeServerPrefix
 * @property {string} codeServerPackage
 * @property {string} chromium
 * @property {string} lastError
 * @property {string} lock
 */
/**
 * @typedef {object} CodeServerDirs
 * @property {string} root
 * @property {string} home
 * @property {string} userDataDir
 * @property {string} extensionsDir
 * @property {() => void} remove
 */
/**
 * @typedef {object} StartCodeServerOptions
 * @property {string} [folder] Absolute folder to open (the default workspace of http://127.0.0.1:PORT/).
 * @property {string} [userDataDir] Default: a temp dir removed by stop().
 * @property {string} [extensionsDir] Default: a temp dir removed by stop().
 * @property {string} [home] HOME of code-server; default: a temp dir removed by stop().
 * @property {number} [port] Default: a free port.
 * @property {boolean} [workspaceTrust] Keep workspace trust on (default: --disable-workspace-trust).
 * @property {Record<string, unknown>} [settings] User settings, merged over DEFAULT_USER_SETTINGS (and an existing settings.json).
 * @property {string[]} [args] Extra code-server arguments.
 * @property {Record<string, string>} [env] Extra environment for code-server (and so its extension host).
 * @property {number} [timeoutMs] For /healthz; default 60 s.
 * @property {(line: string) => void} [log] Every output line of code-server.
 */
/**
 * @typedef {object} CodeServer
 * @property {string} url
 * @property {number} port
 * @property {number} pid
 * @property {string} [folder]
 * @property {string} home
 * @property {string} userDataDir
 * @property {string} extensionsDir
 * @property {() => string} output The last 400 lines code-server printed.
 * @property {() => Promise<void>} stop Kills the process group (SIGTERM, then SIGKILL after 5 s) and removes the temp dirs it made. Idempotent.
 */
/**
 * @typedef {object} WorkbenchUrlOptions
 * @property {string} [folder]
 * @property {string | string[]} [extensionDevelopmentPath]
 * @property {string} [extensionTestsPath]
 */

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = 24;
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** Debian packages the real-VS-Code tests need, and why. @type {Record<string, string>} */
export const VSCODE_DEBIAN_PACKAGES = {
  chromium: 'the browser Playwright drives for the real-VS-Code tests',
  'libkrb5-dev': 'gssapi.h, to compile code-server\'s kerberos module',
};

const STAMP = '.crate-lab-ok';

export class VscodeEnvError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'VscodeEnvError';
  }
}

export { cacheRoot };

/** Where everything lives (whether installed or not). @returns {VscodePaths} */
export function vscodePaths() {
  const root = cacheRoot();
  const node24Prefix = join(root, `node-${NODE_MAJOR}`);
  const codeServerPrefix = join(root, `code-server-${CODE_SERVER_VERSION}-node${NODE_MAJOR}`);
  return {
    cacheRoot: root,
    node24Prefix,
    codeServerPrefix,
    codeServerPackage: join(codeServerPrefix, 'node_modules', 'code-server'),
    chromium: process.env.CRATE_LAB_CHROMIUM || DEFAULT_CHROMIUM,
    lastError: join(root, `vscode-env-${CODE_SERVER_VERSION}.error`),
    lock: join(root, 'vscode-env.lock'),
  };
}

/**
 * The directory of the node-<platform>-<arch> package that `node@24` installs (it has bin/node).
 * @param {string} prefix
 * @returns {string | undefined}
 */
function node24Home(prefix) {
  const name = `node-${process.platform}-${process.arch}`;
  for (const dir of [
    join(prefix, 'node_modules', 'node', 'node_modules', name),
    join(prefix, 'node_modules', name),
  ]) {
    if (existsSync(join(dir, 'bin', 'node'))) return dir;
  }
  return undefined;
}

/** @param {string} dir @returns {{ version: string, at: string } | undefined} */
function readStamp(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP), 'utf8'));
  } catch {
    return undefined;
  }
}

/** @param {string} pkgDir @returns {string} */
function codeServerEntry(pkgDir) {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['code-server'];
  return join(pkgDir, bin ?? 'out/node/entry.js');
}

/** Why the environment is not usable, or undefined when it is. @returns {string | undefined} */
export function vscodeEnvProblem() {
  try {
    vscodeEnv();
    return undefined;
  } catch (e) {
    return /** @type {Error} */ (e).message;
  }
}

/**
 * The installed environment, or a VscodeEnvError saying what is missing and how to get it.
 * @returns {VscodeEnv}
 */
export function vscodeEnv() {
  const p = vscodePaths();
  const hint = () => {
    const last = existsSync(p.lastError) ? `; the last set-up attempt failed: ${readFileSync(p.lastError, 'utf8').trim()}` : '';
    return ` (run \`node scripts/setup.mjs\`${last})`;
  };
  const nodeStamp = readStamp(p.node24Prefix);
  const nodeHome = node24Home(p.node24Prefix);
  if (!nodeStamp || !nodeHome) {
    throw new VscodeEnvError(`Node ${NODE_MAJOR} is not installed in ${p.node24Prefix}${hint()}`);
  }
  const csStamp = readStamp(p.codeServerPrefix);
  if (!csStamp || !existsSync(join(p.codeServerPackage, 'package.json'))) {
    throw new VscodeEnvError(`code-server ${CODE_SERVER_VERSION} is not installed in ${p.codeServerPrefix}${hint()}`);
  }
  if (!existsSync(p.chromium)) {
    throw new VscodeEnvError(`Chromium is not installed at ${p.chromium} (Debian package \`chromium\`)${hint()}`);
  }
  return {
    node24Bin: join(nodeHome, 'bin', 'node'),
    node24BinDir: join(nodeHome, 'bin'),
    node24Version: nodeStamp.version,
    codeServerBin: join(p.codeServerPrefix, 'node_modules', '.bin', 'code-server'),
    codeServerEntry: codeServerEntry(p.codeServerPackage),
    codeServerVersion: CODE_SERVER_VERSION,
    chromium: p.chromium,
    cacheRoot: p.cacheRoot,
  };
}

// ---------------------------------------------------------------------------------------------
// Set-up

/** @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** @param {number} pid */
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return /** @type {NodeJS.ErrnoException} */ (e).code === 'EPERM';
  }
}

/**
 * A directory lock so that two set-ups (npm start and npm test at once) do not collide.
 * @template T
 * @param {string} lockDir
 * @param {Log} log
 * @param {() => T} fn
 * @returns {T}
 */
function withLock(lockDir, log, fn) {
  mkdirSync(dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'EEXIST') throw e;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
      } catch {
        // being written or removed
      }
      if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new VscodeEnvError(`timed out waiting for the set-up lock ${lockDir}`);
      if (!told) log(`waiting for another set-up (lock ${lockDir})`);
      told = true;
      sleepSync(1000);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} opts
 * @param {Log} log
 * @returns {import('node:child_process').SpawnSyncReturns<string>}
 */
function runLogged(cmd, args, opts, log) {
  const r = /** @type {import('node:child_process').SpawnSyncReturns<string>} */ (
    spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts }));
  if (r.error) throw new VscodeEnvError(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    log(out);
    throw new VscodeEnvError(`\`${cmd} ${args.join(' ')}\` exited with ${r.status ?? r.signal}: ${out.split('\n').slice(-3).join(' | ')}`);
  }
  return r;
}

/**
 * The environment for a nested `npm install`: this process's, less what an outer npm exported
 * (`npm_*`, INIT_CWD, NODE, and the node_modules/.bin and node-gyp-bin entries it put on PATH).
 * Inherited, those describe the outer npm: code-server's postinstall reads the Node version from
 * npm_config_user_agent and refused Node 24 when `npm test` had started set-up on Node 20.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {Record<string, string | undefined>}
 */
export function cleanInstallEnv(env = process.env) {
  /** @type {Record<string, string | undefined>} */
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE') continue;
    out[k] = v;
  }
  out.PATH = (env.PATH ?? '')
    .split(':')
    .filter((d) => d && !d.endsWith('/node_modules/.bin') && !d.includes('node-gyp-bin'))
    .join(':');
  return out;
}

/**
 * npm's configuration files as the npm on PATH reads them (the machine's registry, cafile and
 * proxy live there), passed explicitly so that Node 24's own npm, whose built-in global config
 * is elsewhere, reads the same ones.
 */
function npmConfigFiles() {
  const env = cleanInstallEnv();
  const get = (/** @type {string} */ key) => spawnSync('npm', ['config', 'get', key], { encoding: 'utf8', env }).stdout?.trim();
  const flags = [];
  for (const key of ['globalconfig', 'userconfig']) {
    const file = get(key);
    if (file && existsSync(file)) flags.push(`--${key}=${file}`);
  }
  return flags;
}

/**
 * @param {string} npmCmd
 * @param {string} prefix
 * @param {string} spec
 * @param {NodeJS.ProcessEnv} env
 * @param {string[]} extraFlags
 * @param {Log} log
 */
function npmInstall(npmCmd, prefix, spec, env, extraFlags, log) {
  // Offline-safe flags; the machine's npm config (registry, cafile) applies.
  runLogged(npmCmd, ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error',
    ...npmConfigFiles(), ...extraFlags, '--prefix', prefix, spec], { env }, log);
}

/** @param {VscodePaths} p @param {Log} log */
function installNode24(p, log) {
  if (readStamp(p.node24Prefix) && node24Home(p.node24Prefix)) return false;
  log(`installing Node ${NODE_MAJOR} (npm node@${NODE_MAJOR}) into ${p.node24Prefix}`);
  rmSync(p.node24Prefix, { recursive: true, force: true });
  mkdirSync(p.node24Prefix, { recursive: true });
  // A package.json so that npm treats the prefix as a project of its own.
  writeFileSync(join(p.node24Prefix, 'package.json'), '{"private":true}\n');
  npmInstall('npm', p.node24Prefix, `node@${NODE_MAJOR}`, cleanInstallEnv(), [], log);
  const home = node24Home(p.node24Prefix);
  if (!home) throw new VscodeEnvError(`node@${NODE_MAJOR} installed no node-${process.platform}-${process.arch} binary`);
  const version = runLogged(join(home, 'bin', 'node'), ['--version'], {}, log).stdout.trim();
  if (!version.startsWith(`v${NODE_MAJOR}.`)) throw new VscodeEnvError(`node@${NODE_MAJOR} installed ${version}`);
  writeFileSync(join(p.node24Prefix, STAMP), JSON.stringify({ version, at: new Date().toISOString() }) + '\n');
  return true;
}

/** @param {VscodePaths} p @param {Log} log */
function installCodeServer(p, log) {
  if (readStamp(p.codeServerPrefix) && existsSync(join(p.codeServerPackage, 'package.json'))) return false;
  const nodeHome = node24Home(p.node24Prefix);
  if (!nodeHome) throw new VscodeEnvError(`Node ${NODE_MAJOR} is not installed in ${p.node24Prefix}`);
  // Fail fast with the reason instead of a node-gyp error minutes into the install.
  if (process.platform === 'linux' && !['/usr/include/gssapi/gssapi.h', '/usr/include/gssapi.h'].some((f) => existsSync(f))) {
    throw new VscodeEnvError('gssapi.h is missing: code-server\'s kerberos module needs the Debian package libkrb5-dev');
  }
  log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE_MAJOR} into ${p.codeServerPrefix} (a few minutes)`);
  rmSync(p.codeServerPrefix, { recursive: true, force: true });
  mkdirSync(p.codeServerPrefix, { recursive: true });
  writeFileSync(join(p.codeServerPrefix, 'package.json'), '{"private":true}\n');
  const clean = cleanInstallEnv();
  const env = { ...clean, PATH: `${join(nodeHome, 'bin')}:${clean.PATH}` };
  // Node 24's own npm when the package has it, so that npm and its scripts run on Node 24.
  const npm24 = join(nodeHome, 'bin', 'npm');
  const npmCmd = existsSync(npm24) ? npm24 : 'npm';
  // The machine's npm config may point node-gyp at Node 20's headers; code-server's native
  // modules must build against Node 24's, which the npm package ships.
  npmInstall(npmCmd, p.codeServerPrefix, `code-server@${CODE_SERVER_VERSION}`, env, [`--nodedir=${nodeHome}`], log);
  const entry = codeServerEntry(p.codeServerPackage);
  const home = mkdtempSync(join(tmpdir(), 'crate-lab-csv-'));
  let r;
  try {
    r = runLogged(join(nodeHome, 'bin', 'node'), [entry, '--version'], { env: { ...env, HOME: home } }, log);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  if (!r.stdout.includes(CODE_SERVER_VERSION)) throw new VscodeEnvError(`code-server --version printed ${r.stdout.trim()}`);
  writeFileSync(join(p.codeServerPrefix, STAMP), JSON.stringify({ version: r.stdout.trim().split('\n')[0], at: new Date().toISOString() }) + '\n');
  return true;
}

/**
 * Installs Node 24 and code-server into the cache (Debian packages are the caller's: see
 * VSCODE_DEBIAN_PACKAGES). Idempotent and quick when done; a half install is redone.
 * @param {{ log?: (msg: string) => void }} [options]
 * @returns {{ ok: true, changed: boolean } | { ok: false, reason: string }}
 */
export function setupVscodeEnv(options = {}) {
  const log = options.log ?? ((m) => process.stdout.write(`[vscode-env] ${m}\n`));
  const p = vscodePaths();
  const done = () => readStamp(p.node24Prefix) && node24Home(p.node24Prefix) && readStamp(p.codeServerPrefix);
  if (done()) return { ok: true, changed: false };
  try {
    const changed = withLock(p.lock, log, () => {
      const a = installNode24(p, log);
      const b = installCodeServer(p, log);
      return a || b;
    });
    rmSync(p.lastError, { force: true });
    return { ok: true, changed };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    try {
      mkdirSync(p.cacheRoot, { recursive: true });
      writeFileSync(p.lastError, `${new Date().toISOString()} ${reason}\n`);
    } catch {
      // the reason is still returned
    }
    return { ok: false, reason };
  }
}

// ---------------------------------------------------------------------------------------------
// Running code-server

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (srv.address());
      srv.close(() => res(port));
    });
  });
}

/** The environment for a code-server child: HOME redirected, Node 24 first on PATH, no leaks. */
/**
 * @param {VscodeEnv} env
 * @param {string} home
 * @param {Record<string, string>} [extra]
 */
function childEnv(env, home, extra) {
  const out = { ...process.env };
  for (const k of Object.keys(out)) {
    if (k.startsWith('VSCODE_') || k.startsWith('ELECTRON_') || k === 'NODE_OPTIONS' || k.startsWith('npm_')) delete out[k];
  }
  return {
    ...out,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${env.node24BinDir}:${process.env.PATH ?? ''}`,
    // No marketplace: code-server would otherwise query open-vsx (unreachable here) on start.
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
}

/**
 * Directories for one code-server: HOME, user data, extensions; all under one temp root.
 * @returns {CodeServerDirs}
 */
export function makeCodeServerDirs(prefix = 'crate-lab-vscode-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = {
    root,
    home: join(root, 'home'),
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  for (const d of [dirs.home, dirs.userDataDir, dirs.extensionsDir]) mkdirSync(d, { recursive: true });
  return dirs;
}

/** Settings for a quiet, deterministic workbench (no chat side bar, no welcome page, no updates). @type {Record<string, unknown>} */
export const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.settings.enableNaturalLanguageSearch': false,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** Writes user-data/User/settings.json: the defaults, what is there, then `settings`. */
/**
 * @param {string} userDataDir
 * @param {Record<string, unknown>} [settings]
 */
function writeUserSettings(userDataDir, settings) {
  const file = join(userDataDir, 'User', 'settings.json');
  let existing = {};
  if (existsSync(file)) {
    try {
      existing = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      if (!settings) return; // JSON with comments: leave a hand-written file alone
    }
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...existing, ...settings }, null, 2)}\n`);
}

/** @typedef {(msg: string) => void} Log */

/** Running code-servers: group leader pid → the temp root to remove. */
const live = new Map();
let exitHookInstalled = false;
function killAll() {
  for (const [pid, dir] of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}
function killAllOnExit() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A process that exits (or forgets stop()) still takes its code-servers with it. On a signal
  // that nobody else handles, they go first and the signal is then delivered again with its
  // default action; where the program handles it (npm start stops its server, Playwright closes
  // its browsers and exits), that is left to it, and the exit hook and the watchdog remain.
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return;
      killAll();
      process.off(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

// The leader of code-server's process group, which stops it when this process is gone.
const WATCHDOG = fileURLToPath(new URL('./codeServerWatchdog.mjs', import.meta.url));

/**
 * Starts code-server and resolves once /healthz answers 200.
 * @param {StartCodeServerOptions} [options]
 * @returns {Promise<CodeServer>}
 */
export async function startCodeServer(options = {}) {
  const env = vscodeEnv();
  if (options.folder && !isAbsolute(options.folder)) throw new VscodeEnvError(`folder must be absolute: ${options.folder}`);
  const own = makeCodeServerDirs('crate-lab-cs-');
  const home = options.home ?? own.home;
  const userDataDir = options.userDataDir ?? own.userDataDir;
  const extensionsDir = options.extensionsDir ?? own.extensionsDir;
  for (const d of [home, userDataDir, extensionsDir]) mkdirSync(d, { recursive: true });
  writeUserSettings(userDataDir, options.settings);
  const port = options.port ?? (await freePort());
  const args = [
    env.codeServerEntry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver',
    ...(options.args ?? []),
    ...(options.folder ? [options.folder] : []),
  ];
  const child = spawn(env.node24Bin, [WATCHDOG, String(process.pid), own.root, env.node24Bin, ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(env, home, options.env),
  });
  killAllOnExit();
  live.set(child.pid, own.root);
  /** @type {string[]} */
  const lines = [];
  const onData = (/** @type {Buffer} */ chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 400) lines.shift();
      options.log?.(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  /** @type {{ code: number | null, signal?: NodeJS.Signals | null } | undefined} */
  let exited = child.exitCode !== null ? { code: child.exitCode } : undefined;
  const exitPromise = new Promise((/** @type {(v?: unknown) => void} */ res) => child.once('exit', (code, signal) => {
    exited = { code, signal };
    live.delete(child.pid);
    res();
  }));
  child.once('error', (e) => lines.push(`spawn error: ${e.message}`));

  let stopped;
  const stop = () => {
    stopped ??= (async () => {
      if (!exited) {
        try {
          process.kill(-(/** @type {number} */ (child.pid)), 'SIGTERM');
        } catch {
          // already gone
        }
        const t = setTimeout(() => {
          try {
            process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
          } catch {
            // gone
          }
        }, 5000);
        await exitPromise;
        clearTimeout(t);
      }
      // The group may hold children that outlived the leader (extension hosts, ptys).
      try {
        process.kill(-(/** @type {number} */ (child.pid)), 'SIGKILL');
      } catch {
        // none left
      }
      live.delete(child.pid);
      own.remove();
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new VscodeEnvError(`code-server exited (${exited.code ?? exited.signal}) before answering /healthz:\n${lines.slice(-30).join('\n')}`);
    }
    try {
      const r = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new VscodeEnvError(`code-server did not answer ${url}healthz within ${options.timeoutMs ?? 60_000} ms:\n${lines.slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: /** @type {number} */ (child.pid),
    folder: options.folder,
    home,
    userDataDir,
    extensionsDir,
    output: () => lines.join('\n'),
    stop,
  };
}

/**
 * The workbench page to open. With `extensionDevelopmentPath` the extension loads in development
 * mode; with `extensionTestsPath` too, its tests run in the extension host and the window reports
 * the exit code through window.codeAutomationExit.
 * @param {{ url: string, port: number, folder?: string }} server
 * @param {WorkbenchUrlOptions} [options]
 * @returns {string}
 */
export function workbenchUrl(server, options = {}) {
  const u = new URL(server.url);
  const authority = `127.0.0.1:${server.port}`;
  const remote = (/** @type {string} */ p) => {
    if (!isAbsolute(p)) throw new VscodeEnvError(`path must be absolute: ${p}`);
    return `vscode-remote://${authority}${resolve(p)}`;
  };
  const payload = [];
  const dev = options.extensionDevelopmentPath;
  for (const p of Array.isArray(dev) ? dev : dev ? [dev] : []) payload.push(['extensionDevelopmentPath', remote(p)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  // The folder explicitly (code-server's redirect to its default folder is not relied on).
  const folder = options.folder ?? server.folder;
  if (folder) u.searchParams.set('folder', resolve(folder));
  else if (payload.length > 0) u.searchParams.set('ew', 'true');
  if (payload.length > 0) u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

/**
 * `code-server --install-extension VSIX` into the given directories (the same ones to start
 * code-server with). Resolves with its output; rejects with it when the install fails.
 * @param {string} vsixPath
 * @param {{ userDataDir: string, extensionsDir: string, home?: string }} dirs
 * @returns {Promise<string>}
 */
export async function installExtension(vsixPath, dirs) {
  const env = vscodeEnv();
  const ownHome = dirs.home ? undefined : mkdtempSync(join(tmpdir(), 'crate-lab-cs-home-'));
  const home = /** @type {string} */ (dirs.home ?? ownHome);
  try {
    const child = spawn(env.node24Bin, [
      env.codeServerEntry,
      '--user-data-dir', dirs.userDataDir,
      '--extensions-dir', dirs.extensionsDir,
      '--install-extension', resolve(vsixPath),
      '--force',
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(env, home) });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise((res, rej) => {
      child.once('error', rej);
      child.once('close', res);
    });
    if (code !== 0 || /failed|error/i.test(out) && !/successfully installed/i.test(out)) {
      throw new VscodeEnvError(`code-server --install-extension ${vsixPath} failed (exit ${code}):\n${out.trim()}`);
    }
    return out;
  } finally {
    if (ownHome) rmSync(ownHome, { recursive: true, force: true });
  }
}

/**
 * The ids of extensions installed in `extensionsDir` (code-server --list-extensions).
 * @param {{ userDataDir: string, extensionsDir: string }} dirs
 * @returns {string[]}
 */
export function listExtensions(dirs) {
  const env = vscodeEnv();
  const home = mkdtempSync(join(tmpdir(), 'crate-lab-cs-home-'));
  try {
    const r = spawnSync(env.node24Bin, [env.codeServerEntry, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir, '--list-extensions'], {
      encoding: 'utf8',
      env: childEnv(env, home),
    });
    return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

// `node scripts/vscodeEnv.mjs` prints the environment (or why it is not there).
if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  if (process.argv[2] === 'setup') {
    const r = setupVscodeEnv();
    if (!r.ok) {
      process.stderr.write(`${r.reason}\n`);
      process.exit(1);
    }
  }
  try {
    process.stdout.write(`${JSON.stringify(vscodeEnv(), null, 2)}\n`);
  } catch (e) {
    process.stderr.write(`${/** @type {Error} */ (e).message}\n`);
    process.exit(1);
  }
}
