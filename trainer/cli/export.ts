// crate-lab export: a run directory as files other tools read (docs/export.md): scalars.csv,
// layers.csv, attention-step-*.npy, probe.npy, README.txt and, with --tensorboard, TensorBoard
// event files.
//   export RUN_DIR OUT_DIR [--tensorboard] [--force] [--json]
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { exportRun, RunExportError } from '../export/runExport.js';
import { UsageError } from './usageError.js';

export const exportUsage = 'export RUN_DIR OUT_DIR [--tensorboard] [--force] [--json]';

export function exportCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { tensorboard: { type: 'boolean' }, force: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  if (positionals.length !== 2) throw new UsageError(`export needs a run directory and an output folder (got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}): crate-lab ${exportUsage}`);
  const [runDir, outDir] = positionals;
  let summary;
  try {
    summary = exportRun(runDir, outDir, { tensorboard: values.tensorboard, force: values.force, warn: (m) => io.stderr.write(`crate-lab export: warning: ${m}\n`) });
  } catch (e) {
    if (e instanceof RunExportError) throw new UsageError(e.message);
    throw e;
  }
  if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
  else
    io.stdout.write(
      `exported ${summary.runDir} to ${summary.outDir}: ${summary.scalarPoints} scalar points, ${summary.layerValues} per-layer values, attention maps of ${summary.attentionSteps.length} step(s), ${summary.probeImages ?? 'no'} probe images\n${summary.files.map((f) => `  ${f}`).join('\n')}\n`,
    );
  return 0;
}
