// Types for scripts/vscodeEnv.mjs (plain JavaScript so that `node` scripts import it as is).

export declare const CODE_SERVER_VERSION: string;
export declare const NODE_MAJOR: number;
export declare const DEFAULT_CHROMIUM: string;
export declare const VSCODE_DEBIAN_PACKAGES: Record<string, string>;

export declare class VscodeEnvError extends Error {}

export interface VscodeEnv {
  /** Node 24's executable (runs code-server). */
  node24Bin: string;
  node24BinDir: string;
  node24Version: string;
  /** node_modules/.bin/code-server (a `#!/usr/bin/env node` script: needs Node 24 first on PATH). */
  codeServerBin: string;
  /** The JavaScript entry that `node24Bin` runs. */
  codeServerEntry: string;
  codeServerVersion: string;
  /** Debian's Chromium, for playwright-core's executablePath. */
  chromium: string;
  cacheRoot: string;
}

export interface VscodePaths {
  cacheRoot: string;
  node24Prefix: string;
  codeServerPrefix: string;
  codeServerPackage: string;
  chromium: string;
  lastError: string;
  lock: string;
}

export declare function cacheRoot(): string;
export declare function vscodePaths(): VscodePaths;
/** The installed environment, or throws VscodeEnvError saying what is missing and how to get it. */
export declare function vscodeEnv(): VscodeEnv;
/** Why the environment is not usable, or undefined when it is. */
export declare function vscodeEnvProblem(): string | undefined;
/** The environment for a nested `npm install`: no `npm_*`, INIT_CWD, NODE, or npm's PATH entries. */
export declare function cleanInstallEnv(env?: NodeJS.ProcessEnv): Record<string, string | undefined>;
export declare function setupVscodeEnv(options?: { log?: (msg: string) => void }):
  | { ok: true; changed: boolean }
  | { ok: false; reason: string };

export declare const DEFAULT_USER_SETTINGS: Record<string, unknown>;
export declare function freePort(): Promise<number>;

export interface CodeServerDirs {
  root: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  remove(): void;
}
/** A fresh temp root with home/, user-data/ and extensions/ inside; remove() deletes it. */
export declare function makeCodeServerDirs(prefix?: string): CodeServerDirs;

export interface StartCodeServerOptions {
  /** Absolute folder to open (the default workspace of http://127.0.0.1:PORT/). */
  folder?: string;
  /** Default: a temp dir removed by stop(). */
  userDataDir?: string;
  /** Default: a temp dir removed by stop(). */
  extensionsDir?: string;
  /** HOME of code-server; default: a temp dir removed by stop(). */
  home?: string;
  /** Default: a free port. */
  port?: number;
  /** Keep workspace trust on (default: --disable-workspace-trust). */
  workspaceTrust?: boolean;
  /** User settings, merged over DEFAULT_USER_SETTINGS (and an existing settings.json). */
  settings?: Record<string, unknown>;
  /** Extra code-server arguments. */
  args?: string[];
  /** Extra environment for code-server (and so its extension host). */
  env?: Record<string, string>;
  /** For /healthz; default 60 s. */
  timeoutMs?: number;
  /** Every output line of code-server. */
  log?: (line: string) => void;
}

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  folder?: string;
  home: string;
  userDataDir: string;
  extensionsDir: string;
  /** The last 400 lines code-server printed. */
  output(): string;
  /** Kills the process group (SIGTERM, then SIGKILL after 5 s) and removes the temp dirs it made. Idempotent. */
  stop(): Promise<void>;
}

export declare function startCodeServer(options?: StartCodeServerOptions): Promise<CodeServer>;

export interface WorkbenchUrlOptions {
  folder?: string;
  extensionDevelopmentPath?: string | string[];
  extensionTestsPath?: string;
}
export declare function workbenchUrl(server: { url: string; port: number; folder?: string }, options?: WorkbenchUrlOptions): string;

export declare function installExtension(
  vsixPath: string,
  dirs: { userDataDir: string; extensionsDir: string; home?: string },
): Promise<string>;
export declare function listExtensions(dirs: { userDataDir: string; extensionsDir: string }): string[];
