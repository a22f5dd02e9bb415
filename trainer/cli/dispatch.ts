// The crate-lab command line (SPEC §7): argv to an exit code, writing to the given streams, so
// that the binary (main.ts) and an in-process caller (the CLI fuzz test) run the same code. User
// mistakes are one line on stderr and exit code 2; CRATE_LAB_DEBUG=1 adds stack traces.
//
// Each command's module is imported only when that command runs: most of them load tfjs, and
// `crate-lab lsp` must not (SPEC §2: the language server never loads it).
import type { CliIo } from './cliIo.js';
import { commandFailure } from './commandFailure.js';
import { UsageError } from './usageError.js';

type Run = (argv: string[], io: CliIo) => void | number | Promise<void | number>;
interface Command {
  load: () => Promise<{ run: Run; usage: string }>;
  summary: string;
}

const lspUsage = 'lsp --stdio';
/** The language server over stdio, as `node dist/server/server.js --stdio` runs it. */
async function lsp(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] !== '--stdio') throw new UsageError(`lsp talks LSP over stdin and stdout: crate-lab ${lspUsage}${argv.length > 0 ? ` (got ${argv.join(' ')})` : ''}`);
  const { runLanguageServer } = await import('../../server/languageServer.js');
  await runLanguageServer();
  return 0;
}

const commands: Record<string, Command> = {
  train: { load: () => import('./train.js').then((m) => ({ run: m.train, usage: m.trainUsage })), summary: 'train a model from a *.crate.yaml run config into a run directory' },
  resume: { load: () => import('./train.js').then((m) => ({ run: m.resume, usage: m.resumeUsage })), summary: 'continue a run from its latest checkpoint' },
  sweep: { load: () => import('./sweep.js').then((m) => ({ run: m.sweep, usage: m.sweepUsage })), summary: 'many runs from a config\'s sweep: block, on this machine (status, stop, resume a sweep)' },
  stop: { load: () => import('./train.js').then((m) => ({ run: m.stop, usage: m.stopUsage })), summary: 'stop a running run (it checkpoints and exits)' },
  inspect: { load: () => import('./inspect.js').then((m) => ({ run: m.inspect, usage: m.inspectUsage })), summary: 'parameter count, FLOPs per image and activation memory of a model shape' },
  infer: { load: () => import('./infer.js').then((m) => ({ run: m.infer, usage: m.inferUsage })), summary: 'logits of a checkpoint on images' },
  metrics: { load: () => import('./metrics.js').then((m) => ({ run: m.metrics, usage: m.metricsUsage })), summary: 'per-layer coding rates, sparsity, SRR measure and attention maps' },
  bench: { load: () => import('./bench.js').then((m) => ({ run: m.bench, usage: m.benchUsage })), summary: 'training and inference throughput on random data' },
  doctor: { load: () => import('./doctor.js').then((m) => ({ run: m.doctor, usage: m.doctorUsage })), summary: 'which compute backends load here, and why the others do not' },
  lsp: { load: async () => ({ run: lsp, usage: lspUsage }), summary: 'the language server for *.crate.yaml (LSP over stdio), for any editor' },
};

async function help(): Promise<string> {
  const lines = ['usage: crate-lab <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(9)} ${c.summary}`, `            crate-lab ${(await c.load()).usage}`);
  return `${lines.join('\n')}\n`;
}

/** Runs one command line; never throws, never exits the process. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(await help());
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
