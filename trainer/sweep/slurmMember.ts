// One member as a Slurm array task runs it: `crate-lab sweep member SWEEP_DIR INDEX`. It decides
// when it starts, from the member's run as it is then: a completed run leaves nothing to do; a run
// with a checkpoint is resumed from it (so a task Slurm requeues after a preemption or a node
// failure continues where it was); otherwise the member trains anew (sweep/memberRuns.ts,
// memberCommand, as the local scheduler does). The trainer is a child process whose output is
// appended to the member's log (logs/NNNN.log); the signals Slurm sends (scancel, the time limit)
// are passed on, so the trainer checkpoints and marks its run stopped.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { memberCommand, memberRuns } from './memberRuns.js';
import { SweepFileError, memberFile, readSweep, sweepFiles } from './sweepFile.js';

const say = (message: string): void => void process.stdout.write(`${new Date().toISOString()} ${message}\n`);

/** Trains member `index` of the sweep in `sweepDir` with the crate-lab CLI script `cli`; the trainer's exit code. */
export async function runSweepMember(sweepDir: string, index: number, cli: string): Promise<number> {
  const record = readSweep(sweepDir);
  const member = record.members.find((m) => m.index === index);
  if (!member) throw new SweepFileError(`${sweepDir} has no member ${index} (it has ${record.members.length})`);
  const run = memberRuns(record.runsDir, record.id).get(index);
  if (run?.info.status === 'completed') {
    say(`member ${index} (${member.name}): its run ${run.dir} is already completed`);
    return 0;
  }
  const { args } = memberCommand(sweepDir, record, { ...member, runDir: run?.dir });
  mkdirSync(join(sweepDir, sweepFiles.logs), { recursive: true });
  const fd = openSync(join(sweepDir, memberFile('logs', index)), 'a');
  const child = (() => {
    try {
      return spawn(process.execPath, [cli, ...args], { stdio: ['ignore', fd, fd], shell: false });
    } finally {
      closeSync(fd);
    }
  })();
  say(`member ${index} (${member.name}): ${args[0]}, pid ${child.pid}${process.env.SLURM_RESTART_COUNT ? ` (Slurm restart ${process.env.SLURM_RESTART_COUNT})` : ''}`);
  const pass = (signal: NodeJS.Signals) => () => void child.kill(signal);
  const passed = (['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2'] as const).map((s) => [s, pass(s)] as const);
  for (const [s, f] of passed) process.on(s, f);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`could not start ${process.execPath} ${cli}: ${e.message}`)));
      child.once('exit', (code, signal) => {
        say(`member ${index}: its trainer ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`);
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
      });
    });
  } finally {
    for (const [s, f] of passed) process.off(s, f);
  }
}
