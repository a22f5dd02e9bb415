// The SRR regularizer's effect (Hu, Zou & Xu 2024, the last table: cross-entropy alone against
// cross-entropy + SRR on fixed layers or a random layer per step; docs/study.md): per model type
// and regularizer setting, the mean final held-out accuracy of the completed runs, n, and the
// change against the same model type without the regularizer.
import { flatten } from '../config/dottedPaths.js';
import type { StudyRun } from './studyRuns.js';

export interface RegularizerSetting {
  /** `off`, `layers:<indices>:<weight>` or `random:<weight>`: equal settings, equal key. */
  key: string;
  label: string;
}

/** The config's `srr:` block as a setting: off when its weight is 0 or it is absent (docs/training.md). */
export function regularizerSetting(config: Record<string, unknown>): RegularizerSetting {
  const flat = flatten(config);
  const weight = flat.get('srr.weight') ?? 0;
  if (typeof weight !== 'number' || !(weight > 0)) return { key: 'off', label: 'off' };
  const layers = flat.get('srr.layers') ?? 'random';
  if (Array.isArray(layers)) return { key: `layers:${layers.join(',')}:${weight}`, label: `layers ${layers.join(', ')}, weight ${weight}` };
  return { key: `random:${weight}`, label: `random layer, weight ${weight}` };
}

export interface RegularizerCell {
  /** Mean final held-out accuracy of the runs of this model type and setting. */
  accuracy: number;
  runs: number;
  /** accuracy − the same model type's accuracy with the regularizer off; null without such runs (and for `off` itself). */
  change: number | null;
}

export interface RegularizerTable {
  /** The settings present, `off` first, then fixed layers, then random, each by weight. */
  settings: RegularizerSetting[];
  /** One row per model type (`model.arch`), by name; cells[i] belongs to settings[i], null where no run has it. */
  rows: { modelType: string; cells: (RegularizerCell | null)[] }[];
  /** The held-out splits the accuracies come from (test for completed runs with a test split). */
  splits: ('validation' | 'test')[];
  /** Runs without a final held-out accuracy, left out of this table. */
  leftOut: string[];
  /** Whether any run had the regularizer on: without that the table says nothing. */
  used: boolean;
}

const settingOrder = (s: RegularizerSetting): [number, string] => [s.key === 'off' ? 0 : s.key.startsWith('layers:') ? 1 : 2, s.key];

export function regularizerTable(runs: readonly StudyRun[]): RegularizerTable {
  const settings = new Map<string, RegularizerSetting>();
  const sums = new Map<string, { sum: number; runs: number }>();
  const modelTypes = new Set<string>();
  const splits = new Set<'validation' | 'test'>();
  const leftOut: string[] = [];
  for (const r of runs) {
    if (!r.accuracy) {
      leftOut.push(r.dir);
      continue;
    }
    const setting = regularizerSetting(r.config);
    const modelType = String(JSON.parse(r.settings.modelType) ?? '(no model.arch)');
    settings.set(setting.key, setting);
    modelTypes.add(modelType);
    splits.add(r.accuracy.split);
    const key = JSON.stringify([modelType, setting.key]);
    const s = sums.get(key) ?? { sum: 0, runs: 0 };
    sums.set(key, { sum: s.sum + r.accuracy.accuracy, runs: s.runs + 1 });
  }
  const ordered = [...settings.values()].sort((a, b) => {
    const [x, y] = [settingOrder(a), settingOrder(b)];
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
  });
  const rows = [...modelTypes].sort().map((modelType) => {
    const mean = (key: string): { accuracy: number; runs: number } | undefined => {
      const s = sums.get(JSON.stringify([modelType, key]));
      return s ? { accuracy: s.sum / s.runs, runs: s.runs } : undefined;
    };
    const off = mean('off');
    const cells = ordered.map((setting) => {
      const m = mean(setting.key);
      if (!m) return null;
      return { ...m, change: setting.key === 'off' || !off ? null : m.accuracy - off.accuracy };
    });
    return { modelType, cells };
  });
  return { settings: ordered, rows, splits: [...splits].sort(), leftOut, used: ordered.some((s) => s.key !== 'off') };
}

const percent = (v: number): string => `${(100 * v).toFixed(2)}%`;
const signedPoints = (v: number): string => `${v >= 0 ? '+' : '−'}${(100 * Math.abs(v)).toFixed(2)}`;

/** "85.20% (+1.30, n=3)": the mean accuracy, its change against off in percentage points, n. */
export function regularizerCellText(c: RegularizerCell | null): string {
  if (!c) return '—';
  return `${percent(c.accuracy)} (${c.change === null ? '' : `${signedPoints(c.change)}, `}n=${c.runs})`;
}

export function formatRegularizerText(t: RegularizerTable): string {
  const lines = [`The SRR regularizer: mean final ${t.splits.join('/') || 'held-out'} accuracy per model type and setting (change against off in percentage points, n = runs).`];
  const table = [['model type', ...t.settings.map((s) => s.label)], ...t.rows.map((r) => [r.modelType, ...r.cells.map(regularizerCellText)])];
  const widths = table[0].map((_, j) => Math.max(...table.map((row) => row[j].length)));
  for (const row of table) lines.push(row.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd());
  for (const dir of t.leftOut) lines.push(`left out of the regularizer's table: ${dir}: its last evaluation has no finite accuracy`);
  return `${lines.join('\n')}\n`;
}

/** One line per model type; per setting its mean accuracy, change against off and runs (empty where none). */
export function formatRegularizerCsv(t: RegularizerTable): string {
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const header = ['model type', ...t.settings.flatMap((s) => [`${s.label} accuracy`, `${s.label} change`, `${s.label} runs`])];
  const rows = t.rows.map((r) => [r.modelType, ...r.cells.flatMap((c) => (c ? [String(c.accuracy), c.change === null ? '' : String(c.change), String(c.runs)] : ['', '', '']))]);
  return `${[header, ...rows].map((row) => row.map(quote).join(',')).join('\n')}\n`;
}

export function formatRegularizerLatex(t: RegularizerTable): string {
  const tex = (s: string): string => s.replace(/[_%&#]/g, (c) => `\\${c}`);
  const cell = (c: RegularizerCell | null): string => {
    if (!c) return '--';
    const change = c.change === null ? '' : ` {\\scriptsize (${c.change >= 0 ? '+' : '$-$'}${(100 * Math.abs(c.change)).toFixed(2)})}`;
    return `$${(100 * c.accuracy).toFixed(2)}$${change} {\\scriptsize ($n{=}${c.runs}$)}`;
  };
  const lines = [
    '\\begin{tabular}{l' + 'c'.repeat(t.settings.length) + '}',
    '\\hline',
    `Model & ${t.settings.map((s) => (s.key === 'off' ? 'CE' : `CE + SRR (${tex(s.label)})`)).join(' & ')} \\\\`,
    '\\hline',
    ...t.rows.map((r) => `${tex(r.modelType)} & ${r.cells.map(cell).join(' & ')} \\\\`),
    '\\hline',
    '\\end{tabular}',
    `% Mean final ${t.splits.join('/') || 'held-out'} top-1 accuracy (%); in brackets the change against CE alone (percentage points); n = runs.`,
  ];
  return `${lines.join('\n')}\n`;
}
