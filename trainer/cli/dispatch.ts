// The trainer's commands of the command line (README, The CLI): argv to an exit code, writing to
// the given streams, so that the binary (bin/) and an in-process caller (the CLI fuzz test) run
// the same code. User mistakes are one line on stderr and exit code 2; CRATE_LAB_DEBUG=1 adds
// stack traces. The binary adds `lsp` (the language server, which the trainer may not import).
//
// Each command's module is imported only when that command runs: most of them load tfjs, and
// `crate-lab lsp` must not (docs/architecture.md: the language server never loads it).
import type { CliIo } from './cliIo.js';
import { commandFailure } from './commandFailure.js';

export type Run = (argv: string[], io: CliIo) => void | number | Promise<void | number>;
export interface Command {
  load: () => Promise<{ run: Run; usage: string }>;
  summary: string;
}

export const trainerCommands: Record<string, Command> = {
  train: { load: () => import('./train.js').then((m) => ({ run: m.train, usage: m.trainUsage })), summary: 'train a model from a *.crate.yaml run config into a run directory' },
  resume: { load: () => import('./train.js').then((m) => ({ run: m.resume, usage: m.resumeUsage })), summary: 'continue a run from its latest checkpoint' },
  sweep: { load: () => import('./sweep.js').then((m) => ({ run: m.sweep, usage: m.sweepUsage })), summary: 'many runs from a config\'s sweep: block, on this machine (status, stop, resume a sweep)' },
  stop: { load: () => import('./train.js').then((m) => ({ run: m.stop, usage: m.stopUsage })), summary: 'stop a running run (it checkpoints and exits)' },
  inspect: { load: () => import('./inspect.js').then((m) => ({ run: m.inspect, usage: m.inspectUsage })), summary: 'parameter count, FLOPs per image and activation memory of a model shape' },
  infer: { load: () => import('./infer.js').then((m) => ({ run: m.infer, usage: m.inferUsage })), summary: 'logits of a checkpoint on images' },
  metrics: { load: () => import('./metrics.js').then((m) => ({ run: m.metrics, usage: m.metricsUsage })), summary: 'per-layer coding rates, sparsity, SRR measure and attention maps' },
  study: { load: () => import('./study.js').then((m) => ({ run: m.study, usage: m.studyUsage })), summary: 'Kendall τ of complexity measures with the generalization gap over finished runs (the SRR study\'s table)' },
  export: { load: () => import('./export.js').then((m) => ({ run: m.exportCommand, usage: m.exportUsage })), summary: 'a run as CSV (scalars, per-layer metrics), .npy (attention maps, probe images) and TensorBoard event files' },
  bench: { load: () => import('./bench.js').then((m) => ({ run: m.bench, usage: m.benchUsage })), summary: 'training and inference throughput on random data' },
  doctor: { load: () => import('./doctor.js').then((m) => ({ run: m.doctor, usage: m.doctorUsage })), summary: 'which compute backends load here, and why the others do not' },
};

async function help(commands: Record<string, Command>): Promise<string> {
  const lines = ['usage: crate-lab <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(9)} ${c.summary}`, `            crate-lab ${(await c.load()).usage}`);
  return `${lines.join('\n')}\n`;
}

/** Runs one command line; never throws, never exits the process. */
export async function runCli(argv: string[], io: CliIo, commands: Record<string, Command> = trainerCommands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(await help(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`crate-lab: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: crate-lab ${(await command.load()).usage}\n`);
    return 0;
  }
  try {
    return (await (await command.load()).run(rest, io)) ?? 0;
  } catch (e) {
    if (process.env.CRATE_LAB_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    const failure = commandFailure(name, e);
    io.stderr.write(failure.text);
    return failure.code;
  }
}
