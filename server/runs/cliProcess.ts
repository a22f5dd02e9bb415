// The crate-lab CLI as the server starts it: `node dist/trainer/cli.js COMMAND … --json`, detached
// (it outlives the window), without a shell, at below-normal priority, its stdout and stderr to a
// new log file in the runs directory's .logs folder. Launch and resume (trainerLaunch.ts) wait
// for its `start` line, the sweep commands (sweepLaunch.ts) for its exit.
import { spawn } from 'node:child_process';
import { constants as osConstants, getPriority, setPriority } from 'node:os';
import { closeSync, constants, lstatSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { ConfigError, loadConfigFile } from '../../trainer/config/index.js';
import { fileStamp } from '../../trainer/run/format.js';
import { ErrorCodes } from '../../protocol/errorCodes.js';

/** The crate-lab CLI beside this bundle: dist/server/server.js → dist/trainer/cli.js (or the CLI itself for `crate-lab lsp`). */
export function trainerCliPath(): string {
  const main = process.argv[1] ? realpathSync(process.argv[1]) : '';
  if (basename(main) === 'cli.js') return main;
  return join(dirname(main), '..', 'trainer', 'cli.js');
}

export interface CliProcess {
  pid: number;
  logFile: string;
  /** The exit code once it exited, or why it could not start; undefined while it runs. */
  exited(): number | string | null | undefined;
  /** Its output so far. */
  output(): string;
}

/** Starts `node CLI ...args --json` detached (no shell), output to `<runsDir>/.logs/<time>-<args[0]>-<rand>.log`. */
/** `json`: the CLI's machine-readable lines (launches read them); off where its text is what the client shows. */
export function spawnCli(node: string, args: string[], runsDir: string, { json = true } = {}): CliProcess {
  const logs = join(runsDir, '.logs');
  mkdirSync(logs, { recursive: true });
  // Written by the CLI: never through a link (a linked .logs or log file could lead anywhere).
  if (lstatSync(logs).isSymbolicLink()) throw new ResponseError(ErrorCodes.LogsFolderIsLink, `${logs} is a symbolic link; the trainer's logs are written only into a folder of the runs directory`);
  const logFile = join(logs, `${fileStamp()}-${args[0]}-${Math.random().toString(36).slice(2, 8)}.log`);
  const fd = openSync(logFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
  let child;
  try {
    child = spawn(node, [trainerCliPath(), ...args, ...(json ? ['--json'] : [])], { detached: true, stdio: ['ignore', fd, fd], shell: false, windowsHide: true });
  } finally {
    closeSync(fd);
  }
  let exited: number | string | null | undefined;
  child.on('exit', (code) => (exited = code));
  child.on('error', (e) => (exited = `${node} could not be started: ${e.message}`));
  child.unref();
  // A trainer takes every core it is given: below normal, it yields them to the editor (and the
  // rest of the desktop) when they want them, and trains as fast as before when they do not. Its
  // compute threads start later, from its main thread, and inherit this; so do a scheduler's members.
  if (child.pid !== undefined) {
    try {
      // Never above what it had (a server run under `nice` keeps its trainers there).
      setPriority(child.pid, Math.max(getPriority(child.pid), osConstants.priority.PRIORITY_BELOW_NORMAL));
    } catch {
      // it exited already, or the system refuses: it trains at normal priority
    }
  }
  return { pid: child.pid ?? -1, logFile, exited: () => exited, output: () => readFileSync(logFile, 'utf8') };
}

/** Why a CLI that exited said it failed: its last line that is not JSON (its error), else the exit code. */
export function failureOf(cli: CliProcess): string {
  const exited = cli.exited();
  if (typeof exited === 'string') return exited;
  return cli.output().split('\n').filter((l) => l.trim() && !l.startsWith('{')).at(-1) ?? `exit code ${exited}`;
}

/** A launch's config file (absolute) and runs directory: the one asked for, else the config's own (ConfigRejected when it cannot be read). */
export function launchTarget(configPath: string, runsDir: string | undefined): { file: string; runsDir: string } {
  const file = resolve(configPath);
  try {
    return { file, runsDir: runsDir !== undefined ? resolve(runsDir) : loadConfigFile(file).config.runsDir };
  } catch (e) {
    throw new ResponseError(ErrorCodes.ConfigRejected, e instanceof ConfigError ? e.message : `cannot read ${file}: ${(e as Error).message}`);
  }
}
