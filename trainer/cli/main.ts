// The crate-lab command line (SPEC §7). User mistakes are one line on stderr and exit code 2;
// CRATE_LAB_DEBUG=1 adds stack traces.
//
// Each command's module is imported only when that command runs: most of them load tfjs, and
// `crate-lab lsp` must not (SPEC §2: the language server never loads it).
import { FileFormatError } from '../io/fileFormatError.js';
import { ShapeError } from '../model/architecture.js';
import { UsageError } from './usageError.js';
import { ConfigError } from '../config/index.js';
import { TrainingSetupError } from '../train/setupError.js';

type Run = (argv: string[]) => void | number | Promise<void | number>;
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

/** Errors that are the user's to fix: bad flags, files, shapes. */
function isUserError(e: unknown): boolean {
  if (e instanceof UsageError || e instanceof FileFormatError || e instanceof ShapeError || e instanceof TrainingSetupError) return true;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(await help());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`crate-lab: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: crate-lab ${(await command.load()).usage}\n`);
    return 0;
  }
  try {
    return (await (await command.load()).run(rest)) ?? 0;
  } catch (e) {
    if (process.env.CRATE_LAB_DEBUG) console.error(e);
    if (e instanceof ConfigError) {
      // One `file:line:col: path: message` line per mistake, as compilers print them.
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && isUserError(e)) {
      // node:util's parseArgs explains over several lines; the contract is one.
      process.stderr.write(`crate-lab ${name}: ${e.message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}\n`);
      return 2;
    }
    process.stderr.write(`crate-lab ${name}: internal error: ${(e as Error)?.message ?? String(e)} (CRATE_LAB_DEBUG=1 shows the stack)\n`);
    return 1;
  }
}

// Exit explicitly once stdout is flushed: backend worker threads (wasm) and GPU devices would
// otherwise keep the process alive.
void main(process.argv.slice(2)).then((code) => {
  process.stdout.write('', () => process.exit(code));
});
