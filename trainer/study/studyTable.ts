// The SRR study's table (Hu, Zou & Xu 2024; docs/study.md): rows the complexity measures, columns
// the granulated τ of batch size, learning rate, dropout and model type, their mean Ψ and the
// overall τ, each with n and its bootstrap interval; as text, CSV, LaTeX or JSON.
import { type BootstrapOptions, defaultBootstrap } from './bootstrap.js';
import { type Cell, type StudyPoint, type StudyRow, studyHyperparameters, studyRow } from './granulated.js';
import { complexityMeasures, type MeasureId, type MeasuresRecord } from './measuresFile.js';
import type { LeftOut, StudyRun } from './studyRuns.js';

export interface MeasuredRun extends StudyRun {
  measures: MeasuresRecord;
}

export interface StudyTable {
  rows: ({ measure: MeasureId; label: string } & StudyRow)[];
  runs: MeasuredRun[];
  leftOut: LeftOut[];
  bootstrap: BootstrapOptions;
}

export const studyColumns = [...studyHyperparameters.map((h) => ({ id: h.id, label: h.label })), { id: 'psi', label: 'Ψ' }, { id: 'overall', label: 'overall τ' }] as const;

export function studyTable(runs: MeasuredRun[], leftOut: LeftOut[], bootstrap: BootstrapOptions = defaultBootstrap): StudyTable {
  const rows = complexityMeasures.map((m) => {
    // A run whose measure is undefined (1/margin with γ ≤ 0) is left out of that row only.
    const points: StudyPoint[] = runs.flatMap((r) => {
      const v = r.measures.measures[m.id];
      return v === null ? [] : [{ run: r.dir, settings: r.settings, rest: r.rest, measure: v, gap: r.gap.gap }];
    });
    return { measure: m.id, label: m.label, ...studyRow(points, bootstrap) };
  });
  return { rows, runs, leftOut, bootstrap };
}

/** The cell of a row in one of studyColumns. */
export function studyCell(row: StudyRow, column: (typeof studyColumns)[number]['id']): Cell {
  return column === 'psi' ? row.psi : column === 'overall' ? row.overall : row.byHyperparameter[column];
}

const fixed = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

function textCell(c: Cell): string {
  if (c.value === null) return `— (n=${c.runs})`;
  const interval = c.interval ? ` [${fixed(c.interval.lower, 2)}, ${fixed(c.interval.upper, 2)}]` : '';
  return `${fixed(c.value)}${interval} (n=${c.runs}${c.groups !== 1 ? `/${c.groups}g` : ''})`;
}

export function formatText(t: StudyTable): string {
  const level = Math.round(100 * t.bootstrap.level);
  const lines = [
    `Kendall's τ-b of each complexity measure with the generalization gap, over ${t.runs.length} completed runs.`,
    `Cells: τ [${level}% percentile bootstrap interval, ${t.bootstrap.resamples} resamples, seed ${t.bootstrap.seed}] (n = runs / groups of runs differing only in that column).`,
  ];
  const table = [['measure', ...studyColumns.map((c) => c.label)], ...t.rows.map((r) => [r.label, ...studyColumns.map((c) => textCell(studyCell(r, c.id)))])];
  const widths = table[0].map((_, j) => Math.max(...table.map((row) => row[j].length)));
  for (const row of table) lines.push(row.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd());
  const sources = new Set(t.runs.map((r) => r.gap.trainingSource));
  if (sources.has('minibatches')) lines.push('gap: held-out loss of the last evaluation − mean training cross-entropy of the mini-batches since the evaluation before it (the eval events hold no training-subset loss yet).');
  else lines.push('gap: held-out loss − training-subset loss of the last evaluation.');
  const noMargin = t.runs.filter((r) => r.measures.measures.inverseMargin === null);
  if (noMargin.length > 0) lines.push(`1/margin: undefined for ${noMargin.length} of the runs, whose 10th-percentile margin γ ≤ 0 (more than a tenth of the measured training images misclassified): ${noMargin.map((r) => r.name).join(', ')}.`);
  for (const l of t.leftOut) lines.push(`left out: ${l.dir}: ${l.reason}`);
  return `${lines.join('\n')}\n`;
}

/** One line per measure; each column as value, lower, upper, runs and groups. */
export function formatCsv(t: StudyTable): string {
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = ['measure', ...studyColumns.flatMap((c) => [c.label, `${c.label} lower`, `${c.label} upper`, `${c.label} runs`, `${c.label} groups`])];
  const rows = t.rows.map((r) => [
    r.label,
    ...studyColumns.flatMap((c) => {
      const cell = studyCell(r, c.id);
      return [cell.value, cell.interval?.lower ?? null, cell.interval?.upper ?? null].map((v) => (v === null ? '' : String(v))).concat([String(cell.runs), String(cell.groups)]);
    }),
  ]);
  return `${[header, ...rows].map((row) => row.map(quote).join(',')).join('\n')}\n`;
}

export function formatLatex(t: StudyTable): string {
  const level = Math.round(100 * t.bootstrap.level);
  const cell = (c: Cell): string => {
    if (c.value === null) return '--';
    const interval = c.interval ? ` {\\scriptsize [${fixed(c.interval.lower, 2)}, ${fixed(c.interval.upper, 2)}]}` : '';
    return `$${fixed(c.value)}$${interval} {\\scriptsize ($n{=}${c.runs}$)}`;
  };
  const lines = [
    '\\begin{tabular}{l' + 'c'.repeat(studyColumns.length) + '}',
    '\\hline',
    `Measure & ${studyColumns.map((c) => (c.id === 'psi' ? '$\\Psi$' : c.id === 'overall' ? 'Overall $\\tau$' : c.label.replace(/^./, (s) => s.toUpperCase()))).join(' & ')} \\\\`,
    '\\hline',
    ...t.rows.map((r) => `${complexityMeasures.find((m) => m.id === r.measure)!.latex} & ${studyColumns.map((c) => cell(studyCell(r, c.id))).join(' & ')} \\\\`),
    '\\hline',
    '\\end{tabular}',
    `% Kendall's tau-b with the generalization gap; ${level}% percentile bootstrap intervals (${t.bootstrap.resamples} resamples, seed ${t.bootstrap.seed}); n = runs.`,
  ];
  return `${lines.join('\n')}\n`;
}

export function studyJson(t: StudyTable): unknown {
  return {
    bootstrap: t.bootstrap,
    columns: studyColumns,
    rows: t.rows,
    runs: t.runs.map((r) => ({ dir: r.dir, id: r.id, name: r.name, step: r.step, settings: Object.fromEntries(Object.entries(r.settings).map(([k, v]) => [k, JSON.parse(v)])), gap: r.gap, measures: r.measures.measures, margin: r.measures.margin, accuracy: r.accuracy })),
    leftOut: t.leftOut,
  };
}
