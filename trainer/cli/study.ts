// crate-lab study: the SRR study's table (docs/study.md) over finished runs, given as run
// directories or sweep folders: Kendall's τ-b of each complexity measure with the generalization
// gap, per hyperparameter (granulated), Ψ and overall, with n and bootstrap intervals.
// With runs of the SRR regularizer on, also the regularizer's table (regularizerTable.ts).
//   study SWEEP_OR_RUN_DIR… [--json] [--format text|csv|latex] [--table measures|regularizer] [--resamples B] [--seed S] [--backend B]
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { defaultBootstrap } from '../study/bootstrap.js';
import { MeasuresFileError, readMeasuresFile } from '../study/measuresFile.js';
import { SweepFileError } from '../sweep/sweepFile.js';
import { StudyInputError, expandStudyArguments, studyRuns } from '../study/studyRuns.js';
import { formatCsv, formatLatex, formatText, type MeasuredRun, studyJson, studyTable } from '../study/studyTable.js';
import { formatRegularizerCsv, formatRegularizerLatex, formatRegularizerText, regularizerTable } from '../study/regularizerTable.js';
import { backendOptions, useBackend } from './backendFlag.js';
import { UsageError } from './usageError.js';

export const studyUsage = 'study SWEEP_OR_RUN_DIR… [--json] [--format text|csv|latex] [--table measures|regularizer] [--resamples B] [--seed S] [--backend B]';

const formats = ['text', 'csv', 'latex'] as const;
const tables = ['measures', 'regularizer'] as const;

function nonNegativeInt(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer of at least ${min}, got "${value}"`);
  return n;
}

export async function study(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...backendOptions, json: { type: 'boolean' }, format: { type: 'string' }, table: { type: 'string' }, resamples: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('study needs at least one run directory or sweep folder');
  const format = (values.format ?? 'text') as (typeof formats)[number];
  if (!formats.includes(format)) throw new UsageError(`--format must be one of ${formats.join(', ')}, got "${values.format}"`);
  if (values.json && values.format !== undefined) throw new UsageError('--json and --format are alternatives; give one');
  const table = values.table as (typeof tables)[number] | undefined;
  if (table !== undefined && !tables.includes(table)) throw new UsageError(`--table must be one of ${tables.join(', ')}, got "${values.table}"`);
  if (table !== undefined && (values.json || format === 'text')) throw new UsageError('--table picks the table of --format csv or latex; text and --json show both');
  const bootstrap = {
    ...defaultBootstrap,
    resamples: nonNegativeInt('resamples', values.resamples, defaultBootstrap.resamples, 1),
    seed: nonNegativeInt('seed', values.seed, defaultBootstrap.seed, 0),
  };
  try {
    const expanded = expandStudyArguments(positionals);
    const { runs, leftOut } = studyRuns(expanded.runDirs);
    leftOut.unshift(...expanded.leftOut);
    if (runs.length === 0) throw new UsageError(`no completed runs to compare${leftOut.length > 0 ? `: ${leftOut.map((l) => `${l.dir}: ${l.reason}`).join('; ')}` : ''}`);
    // Runs without measures.json (or with one of another step) are measured now, from their final
    // checkpoint: only then is a backend started (and tfjs loaded).
    if (runs.some((r) => readMeasuresFile(r.dir)?.step !== r.step)) await useBackend(values.backend, values.threads, values.device);
    const { runMeasures } = await import('../study/runMeasures.js');
    const measured: MeasuredRun[] = [];
    for (const r of runs) measured.push({ ...r, measures: await runMeasures(r.dir, r.step, (message) => io.stderr.write(`${message}\n`)) });
    const measuresTable = studyTable(measured, leftOut, bootstrap);
    const regularizer = regularizerTable(runs);
    if (values.json) io.stdout.write(`${JSON.stringify({ ...(studyJson(measuresTable) as object), regularizer })}\n`);
    else if (format === 'text') io.stdout.write(formatText(measuresTable) + (regularizer.used ? `\n${formatRegularizerText(regularizer)}` : ''));
    else if (table === 'regularizer') io.stdout.write(format === 'csv' ? formatRegularizerCsv(regularizer) : formatRegularizerLatex(regularizer));
    else io.stdout.write(format === 'csv' ? formatCsv(measuresTable) : formatLatex(measuresTable));
    return 0;
  } catch (e) {
    if (e instanceof StudyInputError || e instanceof MeasuresFileError || e instanceof SweepFileError) throw new UsageError(e.message);
    throw e;
  }
}
