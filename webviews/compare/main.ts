// "Compare runs": overlaid curves of the runs (loss, accuracy and their validation curves), the
// config keys that differ, the final metrics, and the SRR-vs-generalization-gap scatter with
// Kendall's τ; with 3+ runs the SRR study (studyView.ts). Message flow: posts `ready`; expects
// `init` (state.runDirs in the order of compare.runDirs, runs for names), `compare` {result} and
// `study` {result}; also `runRemoved`, `error`. Posts `exportStudy` {table, format}.
import '../shared/panel.css';
import './compare.css';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';
import type { AlignedSeries, CompareRunsResult, RunSummary } from '../../protocol/runData.js';
import { connectToHost } from '../shared/hostBridge.js';
import { cursorKeysHelp, moveCursorByKey } from '../shared/chartKeys.js';
import { formatNumber, formatShort } from '../shared/numberFormat.js';
import { chartTheme, onThemeChange, runColor } from '../shared/theme.js';
import { type ScatterPoint, drawScatter, tauCaption } from './scatter.js';
import { PanelBanners, heading, note } from '../shared/pageParts.js';
import { StudyView } from './studyView.js';
import { RunIdentityView } from './runIdentity.js';

const curveTitles: Record<string, string> = {
  loss: 'Training loss (mini-batch)',
  'train.loss': 'Training-subset loss',
  'validation.loss': 'Validation loss',
  accuracy: 'Training accuracy (mini-batch)',
  'train.accuracy': 'Training-subset accuracy',
  'validation.accuracy': 'Validation accuracy',
  'gap.loss': 'Generalization gap (held-out − training-subset loss)',
};

const host = connectToHost('compare', {});
const app = document.getElementById('app')!;
const summaries = new Map<string, RunSummary>();
let result: CompareRunsResult | undefined;
const plots: uPlot[] = [];

const title = heading('Compare runs');
const banners = new PanelBanners('The comparison already shown stays visible.');
const waiting = note('Waiting for the runs…');
const curves = document.createElement('div');
curves.className = 'grid';
const diffTitle = Object.assign(document.createElement('h2'), { textContent: 'Config differences' });
const diffTable = document.createElement('table');
diffTable.dataset.table = 'config-diff';
const finalTitle = Object.assign(document.createElement('h2'), { textContent: 'Final metrics' });
const finalTable = document.createElement('table');
finalTable.dataset.table = 'final-metrics';
const scatterTitle = Object.assign(document.createElement('h2'), { textContent: 'SRR measure vs generalization gap' });
const scatter = document.createElement('canvas');
scatter.className = 'compare-scatter';
scatter.setAttribute('role', 'img');
scatter.tabIndex = 0;
scatter.setAttribute('aria-description', 'Arrow keys pick a run (in order of SRR measure), Home and End the first and last');
const scatterReadout = document.createElement('div');
scatterReadout.className = 'readout scatter-readout';
scatterReadout.setAttribute('aria-live', 'polite');
const tau = document.createElement('p');
tau.className = 'tau';
tau.setAttribute('aria-live', 'polite');
const study = new StudyView((m) => host.post(m));
app.append(title, banners.error, banners.removed, waiting, curves, diffTitle, diffTable, finalTitle, finalTable, scatterTitle, scatter, scatterReadout, tau, study.element);

// What each run is for (its tags and note), before the curves.
const identity = new RunIdentityView();
waiting.after(identity.element);

/** The scatter's points as last drawn (by SRR) and the run the read-out describes. */
let scatterPoints: ScatterPoint[] = [];
let pickedRun: number | null = null;

function runName(dir: string, i: number): string {
  return summaries.get(dir)?.name && summaries.get(dir)!.name !== summaries.get(dir)!.id
    ? `${summaries.get(dir)!.name} (${summaries.get(dir)!.id})`
    : (result?.final[i]?.id ?? summaries.get(dir)?.id ?? dir);
}

function cell(text: string, o: { numeric?: boolean; header?: boolean; title?: string; color?: string } = {}): HTMLTableCellElement {
  const c = document.createElement(o.header ? 'th' : 'td');
  if (o.color) {
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = o.color;
    c.append(swatch);
  }
  c.append(text);
  if (o.numeric) c.className = 'num';
  if (o.title) c.title = o.title;
  return c;
}

function row(cells: HTMLTableCellElement[]): HTMLTableRowElement {
  const r = document.createElement('tr');
  r.append(...cells);
  return r;
}

function configValue(v: unknown): string {
  if (v === null || v === undefined) return '(absent)';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function renderCurves(r: CompareRunsResult): void {
  plots.splice(0).forEach((p) => p.destroy());
  curves.replaceChildren();
  const theme = chartTheme();
  const axis = { stroke: theme.foreground, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
  for (const [key, series] of Object.entries(r.series) as [string, AlignedSeries][]) {
    const section = document.createElement('section');
    section.dataset.chart = key;
    const heading = Object.assign(document.createElement('h2'), { textContent: curveTitles[key] ?? key });
    const holder = document.createElement('div');
    holder.className = 'chart-plot';
    holder.tabIndex = 0;
    holder.setAttribute('role', 'group');
    holder.setAttribute('aria-label', `${heading.textContent} of the compared runs`);
    holder.setAttribute('aria-description', cursorKeysHelp);
    section.append(heading, holder);
    curves.append(section);
    const plot = new uPlot(
      {
        width: Math.max(300, holder.clientWidth || 480),
        height: 200,
        scales: { x: { time: false } },
        axes: [axis, { ...axis, size: 56, values: (_u, s) => s.map((v) => formatShort(v)) }],
        series: [
          { label: 'step', value: (_u, v) => (v == null ? '—' : String(v)) },
          ...r.runDirs.map((dir, i) => ({ label: runName(dir, i), stroke: runColor(i), width: 1.5, spanGaps: true, points: { show: key.startsWith('validation.'), size: 5, fill: runColor(i) }, value: (_u: uPlot, v: number | null) => formatShort(v) })),
        ],
      },
      [series.step, ...series.values] as uPlot.AlignedData,
      holder,
    );
    plots.push(plot);
    holder.addEventListener('keydown', (e) => {
      if (moveCursorByKey(plot, e)) e.preventDefault();
    });
  }
}

function renderTables(r: CompareRunsResult): void {
  const names = r.runDirs.map(runName);
  diffTable.replaceChildren(row([cell('key', { header: true }), ...names.map((n, i) => cell(n, { header: true, color: runColor(i) }))]));
  if (r.configDiff.length === 0) diffTable.append(row([cell('The configs are identical.')]));
  for (const d of r.configDiff) diffTable.append(row([cell(d.path), ...d.values.map((v) => { const c = cell(configValue(v)); if (v === null || v === undefined) c.classList.add('absent'); return c; })]));
  const columns: { label: string; value: (f: CompareRunsResult['final'][number]) => number | null }[] = [
    { label: 'step', value: (f) => f.step },
    { label: 'train loss (mini-batch)', value: (f) => f.trainLoss },
    { label: 'training-subset loss', value: (f) => f.trainSubsetLoss },
    { label: 'validation loss', value: (f) => f.validationLoss },
    { label: 'validation accuracy', value: (f) => f.validationAccuracy },
    { label: 'test loss', value: (f) => f.testLoss },
    { label: 'test accuracy', value: (f) => f.testAccuracy },
    { label: 'SRR measure', value: (f) => f.srr },
    { label: 'generalization gap', value: (f) => f.generalizationGap },
    { label: 'accuracy gap', value: (f) => f.accuracyGap },
  ];
  finalTable.replaceChildren(row([cell('run', { header: true }), cell('status', { header: true }), ...columns.map((c) => cell(c.label, { header: true }))]));
  r.final.forEach((f, i) => {
    finalTable.append(
      row([cell(names[i], { color: runColor(i) }), cell(f.status), ...columns.map((c) => { const v = c.value(f); return cell(formatNumber(v), { numeric: true, title: v === null ? 'not recorded' : String(v) }); })]),
    );
  });
}

function render(): void {
  const r = result;
  waiting.hidden = !!r;
  if (!r) return;
  renderCurves(r);
  renderTables(r);
  identity.show(r.runDirs.map((dir, i) => ({ name: runName(dir, i), color: runColor(i), run: summaries.get(dir) })));
  renderScatter(r);
  scatter.setAttribute('aria-label', `Scatter of SRR measure against generalization gap for ${r.final.length} runs; ${tauCaption(r.kendallTau)}`);
  tau.textContent = tauCaption(r.kendallTau);
}

function renderScatter(r: CompareRunsResult): void {
  const names = r.runDirs.map(runName);
  scatterPoints = drawScatter(scatter, r.final, names, pickedRun);
  const p = scatterPoints.find((q) => q.run === pickedRun);
  scatterReadout.textContent = p
    ? `${names[p.run]}: SRR measure ${formatNumber(p.srr)}, generalization gap ${formatNumber(p.gap)}`
    : scatterPoints.length
      ? 'Point at a run, or focus the plot and use the arrow keys, to read its values.'
      : '';
}

function pickRun(run: number | null): void {
  if (run === pickedRun || !result) return;
  pickedRun = run;
  renderScatter(result);
}

scatter.addEventListener('keydown', (e) => {
  if (scatterPoints.length === 0) return;
  const at = scatterPoints.findIndex((p) => p.run === pickedRun);
  const last = scatterPoints.length - 1;
  const next = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: last }[e.key];
  if (next === undefined) return;
  e.preventDefault();
  // From no pick, a backward key starts at the last run.
  pickRun(scatterPoints[Math.max(0, Math.min(last, at < 0 && next < 0 ? last : next))].run);
});
scatter.addEventListener('mousemove', (e) => {
  const box = scatter.getBoundingClientRect();
  const near = scatterPoints.find((p) => Math.hypot(p.left - (e.clientX - box.left), p.top - (e.clientY - box.top)) <= 10);
  if (near) pickRun(near.run);
});

function onMessage(message: HostToPanelMessage): void {
  switch (message.type) {
    case 'init':
      host.adoptState(message.state);
      for (const s of message.runs) summaries.set(s.dir, s);
      render();
      break;
    case 'runs':
      for (const s of message.runs) summaries.set(s.dir, s);
      render();
      break;
    case 'compare':
      banners.clearError();
      result = message.result;
      render();
      break;
    case 'study':
      study.show(message.result);
      break;
    default:
      banners.handle(message);
  }
}

onThemeChange(() => {
  render();
  study.redraw();
});
host.listen(onMessage);
host.ready();
