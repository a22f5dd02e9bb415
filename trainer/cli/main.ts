// The crate-lab command line (SPEC §7). User mistakes are one line on stderr and exit code 2;
// CRATE_LAB_DEBUG=1 adds stack traces.
import { FileFormatError } from '../io/fileFormatError.js';
import { ShapeError } from '../model/architecture.js';
import { bench, benchUsage } from './bench.js';
import { doctor, doctorUsage } from './doctor.js';
import { infer, inferUsage } from './infer.js';
import { inspect, inspectUsage } from './inspect.js';
import { metrics, metricsUsage } from './metrics.js';
import { resume, resumeUsage, stop, stopUsage, train, trainUsage } from './train.js';
import { UsageError } from './usageError.js';
import { ConfigError } from '../config/index.js';
import { TrainingSetupError } from '../train/runTraining.js';

const commands: Record<string, { run: (argv: string[]) => void | number | Promise<void | number>; usage: string; summary: string }> = {
  train: { run: train, usage: trainUsage, summary: 'train a model from a *.crate.yaml run config into a run directory' },
  resume: { run: resume, usage: resumeUsage, summary: 'continue a run from its latest checkpoint' },
  stop: { run: stop, usage: stopUsage, summary: 'stop a running run (it checkpoints and exits)' },
  inspect: { run: inspect, usage: inspectUsage, summary: 'parameter count, FLOPs per image and activation memory of a model shape' },
  infer: { run: infer, usage: inferUsage, summary: 'logits of a checkpoint on images' },
  metrics: { run: metrics, usage: metricsUsage, summary: 'per-layer coding rates, sparsity, SRR measure and attention maps' },
  bench: { run: bench, usage: benchUsage, summary: 'training and inference throughput on random data' },
  doctor: { run: doctor, usage: doctorUsage, summary: 'which compute backends load here, and why the others do not' },
};

function help(): string {
  const lines = ['usage: crate-lab <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(9)} ${c.summary}`, `            crate-lab ${c.usage}`);
  return `${lines.join('\n')}\n`;
}

/** Errors that are the user's to fix: bad flags, files, shapes. */
function isUserError(e: unknown): e is Error {
  if (e instanceof UsageError || e instanceof FileFormatError || e instanceof ShapeError || e instanceof TrainingSetupError) return true;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`crate-lab: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: crate-lab ${command.usage}\n`);
    return 0;
  }
  try {
    return (await command.run(rest)) ?? 0;
  } catch (e) {
    if (process.env.CRATE_LAB_DEBUG) console.error(e);
    if (e instanceof ConfigError) {
      // One `file:line:col: path: message` line per mistake, as compilers print them.
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (isUserError(e)) {
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
