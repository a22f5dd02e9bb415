// Starting and stopping trainers for the server: launch and resume spawn the crate-lab CLI
// (cliProcess.ts: detached, no shell, output to a log file in the runs directory) and answer once
// the trainer names its run directory; stop is the CLI's own (trainer/run/stopRun.ts) with the server's error codes.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { parseDocument } from 'yaml';
import { runFiles } from '../../trainer/run/format.js';
import { RunInfoError } from '../../trainer/run/runInfoFile.js';
import { requestStop, StopRefusedError } from '../../trainer/run/stopRun.js';
import { runLockHolder, runLockedMessage } from '../../trainer/run/trainerGuard.js';
import { ErrorCodes } from '../../protocol/errorCodes.js';
import type { LaunchErrorData, LaunchParams, LaunchResult, StopResult } from '../../protocol/runData.js';
import { failureOf, launchTarget, spawnCli } from './cliProcess.js';
import type { WatchedRuns } from './watchedRuns.js';

/** How long launch/resume wait for the trainer to announce its run directory. */
const startTimeoutMs = 60_000;

/** Whether the config file itself sets a field (as opposed to taking its default). */
function configSays(file: string): (path: string[]) => boolean {
  try {
    const doc = parseDocument(readFileSync(file, 'utf8'));
    return (path) => doc.hasIn(path);
  } catch {
    return () => false;
  }
}

export class TrainerLauncher {
  /** The Node that runs trainers (the crateLab.trainerNodePath setting, else this one). */
  trainerNode = process.execPath;

  constructor(private readonly runs: WatchedRuns) {}

  /** Spawns the CLI detached (no shell), output to a log file, and waits for its `start` line. */
  private async spawnTrainer(args: string[], runsDir: string): Promise<LaunchResult> {
    const cli = spawnCli(this.trainerNode, args, runsDir);
    const { logFile } = cli;
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      const exited = cli.exited();
      const text = cli.output();
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const o = JSON.parse(line) as { type?: string; runDir?: string };
          if (o.type === 'start' && typeof o.runDir === 'string') return { runDir: resolve(o.runDir), pid: cli.pid, logFile };
        } catch {
          // a partial line: read again
        }
      }
      if (exited !== undefined) throw new ResponseError<LaunchErrorData>(ErrorCodes.TrainerExited, `the trainer exited before starting: ${failureOf(cli)}`, { logFile });
      if (Date.now() > deadline) throw new ResponseError<LaunchErrorData>(ErrorCodes.TrainerStartTimeout, `the trainer did not start within ${startTimeoutMs / 1000} s (log: ${logFile})`, { logFile });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async launch({ configPath, runsDir: runsDirParam, maxSteps, backend, introspectEvery }: LaunchParams): Promise<LaunchResult> {
    const { file, runsDir } = launchTarget(configPath, runsDirParam);
    const args = ['train', file, '--runs-dir', runsDir];
    if (maxSteps !== undefined) args.push('--max-steps', String(maxSteps));
    // The client's defaults apply only where the config is silent.
    const says = configSays(file);
    if (backend !== undefined && !says(['backend'])) args.push('--backend', backend);
    if (introspectEvery !== undefined && !says(['introspect', 'every'])) args.push('--introspect-every', String(introspectEvery));
    this.runs.addRunsDir(runsDir);
    const result = await this.spawnTrainer(args, runsDir);
    this.runs.changed(runsDir);
    return result;
  }

  async resume(runDir: string): Promise<LaunchResult> {
    const dir = resolve(runDir);
    if (!existsSync(join(dir, runFiles.info))) throw new ResponseError(ErrorCodes.NotARunDirectory, `${dir} is not a run directory`);
    // The trainer refuses too (a request racing this one passes here): this only answers sooner.
    const holder = await runLockHolder(dir);
    if (holder) throw new ResponseError(ErrorCodes.RunLocked, runLockedMessage(dir, holder));
    return this.spawnTrainer(['resume', dir], dirname(dir));
  }

  /** `crate-lab stop RUN_DIR` without the wait: the status change reaches clients as runsChanged. */
  stop(runDir: string): StopResult {
    try {
      const requested = requestStop(resolve(runDir));
      return { signalled: requested.signalled, message: requested.message };
    } catch (e) {
      if (e instanceof RunInfoError) throw new ResponseError(ErrorCodes.RunInfoUnreadable, e.message);
      if (e instanceof StopRefusedError) throw new ResponseError(e.reason === 'otherHost' ? ErrorCodes.RunOnOtherHost : ErrorCodes.TrainerGone, e.message);
      throw e;
    }
  }
}
