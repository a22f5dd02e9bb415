// The sweep requests that act: launch, stop and resume run the crate-lab CLI's own `sweep` commands
// (cliProcess.ts: detached, no shell, argument arrays, output to a log in the runs directory) and
// answer when the CLI exits: the sweep is then made and handed to its scheduler, or stopped, or
// queued again. The CLI holds every rule (expansion, limits, the scheduler); a failure is answered
// with the CLI's own message.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { sweepFiles } from '../../trainer/sweep/sweepFile.js';
import { ErrorCodes } from '../../protocol/errorCodes.js';
import type { LaunchErrorData, LaunchSweepParams, LaunchSweepResult, SlurmOptions, SweepCommandResult } from '../../protocol/runData.js';
import { type CliProcess, failureOf, launchTarget, spawnCli } from './cliProcess.js';
import type { WatchedRuns } from './watchedRuns.js';

/**
 * `crate-lab sweep` flags of the Slurm settings, each given only when set. The Slurm scheduler
 * reads them (trainer/cli/sweep.ts); the local one never gets them.
 */
export function slurmFlags(slurm: SlurmOptions | undefined): string[] {
  const flags: string[] = [];
  if (slurm?.partition) flags.push('--partition', slurm.partition);
  if (slurm?.account) flags.push('--account', slurm.account);
  if (slurm?.time) flags.push('--time', slurm.time);
  for (const arg of slurm?.sbatchArgs ?? []) flags.push('--sbatch-arg', arg);
  return flags;
}

export class SweepLauncher {
  /** The Node that runs the CLI (the crateLab.trainerNodePath setting, else this one). */
  node = process.execPath;

  constructor(private readonly runs: WatchedRuns) {}

  async launch({ configPath, scheduler = 'local', parallel, runsDir: runsDirParam, slurm }: LaunchSweepParams): Promise<LaunchSweepResult> {
    const { file, runsDir } = launchTarget(configPath, runsDirParam);
    const args = ['sweep', file, '--scheduler', scheduler, '--runs-dir', runsDir];
    if (parallel !== undefined) args.push('--parallel', String(parallel));
    if (scheduler === 'slurm') args.push(...slurmFlags(slurm));
    this.runs.addRunsDir(runsDir);
    const cli = await this.run(args, runsDir);
    for (const line of cli.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const o = JSON.parse(line) as { type?: string; id?: string; dir?: string; members?: number };
        if (o.type === 'sweep' && typeof o.dir === 'string') {
          this.runs.addSweep(o.dir);
          this.runs.changed(runsDir);
          return { id: o.id ?? '', sweepDir: resolve(o.dir), members: o.members ?? 0, logFile: cli.logFile };
        }
      } catch {
        // not the result line
      }
    }
    throw new ResponseError<LaunchErrorData>(ErrorCodes.SweepCommandFailed, `crate-lab sweep printed no sweep (log: ${cli.logFile})`, { logFile: cli.logFile });
  }

  stop(sweepDir: string): Promise<SweepCommandResult> {
    return this.command('stop', sweepDir);
  }

  resume(sweepDir: string): Promise<SweepCommandResult> {
    return this.command('resume', sweepDir);
  }

  private async command(command: 'stop' | 'resume', sweepDirParam: string): Promise<SweepCommandResult> {
    const sweepDir = resolve(sweepDirParam);
    if (!existsSync(join(sweepDir, sweepFiles.record))) throw new ResponseError(ErrorCodes.NotASweepFolder, `${sweepDir} is not a sweep folder (no ${sweepFiles.record})`);
    this.runs.addSweep(sweepDir);
    // Its status lines are the answer's `output`: the text, not --json.
    const cli = await this.run(['sweep', command, sweepDir], dirname(sweepDir), { json: false });
    this.runs.changed(dirname(sweepDir));
    return { sweepDir, output: cli.output().trim(), logFile: cli.logFile };
  }

  /** Runs the CLI to its end; a non-zero exit is answered with its own message (`crate-lab sweep: …`, or the config's `file:line:col: …`). */
  private async run(args: string[], runsDir: string, o?: { json: boolean }): Promise<CliProcess> {
    const cli = spawnCli(this.node, args, runsDir, o);
    while (cli.exited() === undefined) await new Promise((r) => setTimeout(r, 50));
    if (cli.exited() !== 0) throw new ResponseError<LaunchErrorData>(ErrorCodes.SweepCommandFailed, failureOf(cli), { logFile: cli.logFile });
    return cli;
  }
}
