// "Compare runs": a legend of the runs (colour swatch and short label), overlaid curves of the runs
// (loss, accuracy and their validation curves), the config keys that differ, the final metrics,
// and the SRR-vs-generalization-gap scatter with Kendall's τ; with 3+ runs the SRR study
// (studyView.ts). A member whose directory is deleted keeps what the panel showed of it
// (keptRuns.ts) and a banner names it. Message flow: posts `ready`; expects `init` (state.runDirs
// in the order of compare.runDirs, runs for names), `compare` {result} and `study` {result}; also
// `runs`, `runRemoved`, `error`. Posts `exportStudy` {table, format} and `exportPng` {name, dataUrl}.
import '../shared/panel.css';
import './compare.css';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';
import type { AlignedSeries, CompareRunsResult, RunSummary } from '../../protocol/runData.js';
import { connectToHost } from '../shared/hostBridge.js';
import { axisTickLabels, integerIncrements, percentTickLabels } from '../shared/axisFormat.js';
import { cursorKeysHelp, moveCursorByKey } from '../shared/chartKeys.js';
import { button } from '../shared/controls.js';
import { formatNumber, formatShort } from '../shared/numberFormat.js';
import { chartTheme, onThemeChange } from '../shared/theme.js';
import { type ScatterPoint, drawScatter, tauCaption } from './scatter.js';
import { PanelBanners, heading, note } from '../shared/pageParts.js';
import { StudyView } from './studyView.js';
import { RunIdentityView } from './runIdentity.js';
import { composeComparePng, type ExportChart } from './comparePng.js';
import { curveAxes } from './curveAxes.js';
import { keepDeletedRuns, type ShownComparison } from './keptRuns.js';
import { compareRunColors } from './runColours.js';
import { fullRunLabel, shortRunLabels } from './runLabels.js';

const host = connectToHost('compare', {});
const app = document.getElementById('app')!;
const summaries = new Map<string, RunSummary>();
/** The panel's runs in the order the host gave them: a run's colour is its place here. */
let members: string[] = [];
/** Members whose directory is gone. */
const deleted = new Set<string>();
let shown: ShownComparison | undefined;
const plots: uPlot[] = [];
/** Above this many runs the charts name the run nearest the cursor instead of listing every run under them. */
const maxLegendRuns = 8;

const title = heading('Compare runs');
const banners = new PanelBanners();
const waiting = note('Waiting for the runs…');
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
const exportButton = button('Export PNG', exportPng, { title: 'The charts, legend and scatter as one PNG at twice the resolution' });
exportButton.dataset.export = 'png';
toolbar.append(exportButton);
toolbar.hidden = true;
const legend = document.createElement('ul');
legend.className = 'run-legend';
legend.setAttribute('aria-label', 'Runs compared');
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
app.append(title, banners.error, banners.removed, waiting, toolbar, legend, curves, diffTitle, diffTable, finalTitle, finalTable, scatterTitle, scatter, scatterReadout, tau, study.element);

// What each run is for (its tags and note), before the curves.
const runIdentity = new RunIdentityView();
waiting.after(runIdentity.element);

/** The scatter's points as last drawn (by SRR) and the run the read-out describes. */
let scatterPoints: ScatterPoint[] = [];
let pickedRun: number | null = null;

/** Members first, then any run the host answered for that is not one (kept in the host's order). */
function allRuns(): string[] {
  return [...members, ...(shown?.result.runDirs.filter((d) => !members.includes(d)) ?? [])];
}

function identity(dir: string) {
  const s = summaries.get(dir);
  const f = shown?.result.final.find((x) => x.runDir === dir);
  return { dir, id: s?.id ?? f?.id, name: s?.name };
}

/** Label and colour of each run of the panel, by directory. */
function runStyles(): Map<string, { label: string; full: string; color: string }> {
  const runs = allRuns();
  const labels = shortRunLabels(runs.map(identity));
  const colors = compareRunColors(runs.length);
  return new Map(runs.map((d, i) => [d, { label: labels[i], full: fullRunLabel(identity(d)), color: colors[i] }]));
}

function swatch(color: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.className = 'swatch';
  s.style.background = color;
  return s;
}

function cell(text: string, o: { numeric?: boolean; header?: boolean; title?: string; color?: string } = {}): HTMLTableCellElement {
  const c = document.createElement(o.header ? 'th' : 'td');
  if (o.color) {
    c.append(swatch(o.color));
    c.classList.add('run-label');
  }
  c.append(text);
  if (o.numeric) c.classList.add('num');
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

/** A legend or table value: 4 significant figures; accuracies in %. */
function metric(v: number | null | undefined, percent: boolean): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  return percent ? `${formatShort(v * 100)}%` : formatShort(v);
}

function renderLegend(r: CompareRunsResult, styles: ReturnType<typeof runStyles>): void {
  legend.replaceChildren(
    ...r.runDirs.map((d) => {
      const s = styles.get(d)!;
      const li = document.createElement('li');
      li.dataset.run = d;
      li.title = `${s.full}\n${d}`;
      li.append(swatch(s.color), s.label);
      if (shown?.kept.has(d)) {
        li.classList.add('deleted');
        li.append(' (deleted)');
      }
      return li;
    }),
  );
}

/** Tick labels as drawn, also kept in a data-* attribute (uPlot draws them on its canvas). */
function published(section: HTMLElement, key: 'xTicks' | 'yTicks', labels: string[]): string[] {
  section.dataset[key] = JSON.stringify(labels);
  return labels;
}

function renderCurves(r: CompareRunsResult, styles: ReturnType<typeof runStyles>): void {
  plots.splice(0).forEach((p) => p.destroy());
  curves.replaceChildren();
  const theme = chartTheme();
  const axis = { stroke: theme.foreground, font: theme.font, labelFont: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
  for (const [key, series] of Object.entries(r.series) as [string, AlignedSeries][]) {
    const axes = curveAxes(key);
    const section = document.createElement('section');
    section.dataset.chart = key;
    const h = Object.assign(document.createElement('h2'), { textContent: axes.title });
    const holder = document.createElement('div');
    holder.className = 'chart-plot';
    holder.tabIndex = 0;
    holder.setAttribute('role', 'group');
    holder.setAttribute('aria-label', `${axes.title} of the compared runs; x: ${axes.x}, y: ${axes.y}`);
    holder.setAttribute('aria-description', cursorKeysHelp);
    // With many runs (a sweep) the per-chart legend would list them all under every chart: the
    // legend on top names them, and a read-out names the run nearest the cursor instead.
    const many = r.runDirs.length > maxLegendRuns;
    const readout = document.createElement('div');
    readout.className = 'readout chart-readout';
    readout.setAttribute('aria-live', 'polite');
    readout.hidden = !many;
    section.append(h, holder, readout);
    curves.append(section);
    const plot = new uPlot(
      {
        width: Math.max(300, holder.clientWidth || 480),
        height: 220,
        scales: { x: { time: false } },
        legend: { show: !many },
        hooks: many ? { setCursor: [(u: uPlot) => (readout.textContent = nearestRun(u, r.runDirs.map((d) => styles.get(d)!.label), axes.percent))] } : {},
        axes: [
          { ...axis, label: axes.x, labelSize: 20, incrs: integerIncrements, values: (_u, splits) => published(section, 'xTicks', axisTickLabels(splits)) },
          { ...axis, label: axes.y, labelSize: 20, size: 56, values: (_u, splits) => published(section, 'yTicks', (axes.percent ? percentTickLabels(splits) : axisTickLabels(splits))) },
        ],
        series: [
          { label: 'step', value: (_u, v) => (v == null ? '—' : String(v)) },
          ...r.runDirs.map((dir) => {
            const color = styles.get(dir)!.color;
            return { label: styles.get(dir)!.label, stroke: color, width: theme.lineWidth + 0.5, spanGaps: true, points: { show: key.startsWith('validation.'), size: 5, fill: color }, value: (_u: uPlot, v: number | null) => metric(v, axes.percent) };
          }),
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

/** "step 120 · lr-sweep-m07: 0.1234": the run whose value at the cursor's step is nearest the cursor. */
function nearestRun(u: uPlot, labels: string[], percent: boolean): string {
  const idx = u.cursor.idx;
  if (idx == null) return '';
  const y = u.posToVal(u.cursor.top ?? 0, 'y');
  let best = -1;
  for (let i = 1; i < u.data.length; i++) {
    const v = u.data[i][idx];
    if (v != null && (best < 0 || Math.abs(v - y) < Math.abs((u.data[best][idx] as number) - y))) best = i;
  }
  return best < 0 ? `step ${u.data[0][idx]}` : `step ${u.data[0][idx]} · ${labels[best - 1]}: ${metric(u.data[best][idx], percent)}`;
}

function renderTables(r: CompareRunsResult, styles: ReturnType<typeof runStyles>): void {
  // One row per run (a sweep of 50 stays readable), one column per differing key.
  const runCell = (d: string) => cell(styles.get(d)!.label, { color: styles.get(d)!.color, title: `${styles.get(d)!.full}\n${d}` });
  if (r.configDiff.length === 0) diffTable.replaceChildren(row([cell('The configs are identical.')]));
  else {
    diffTable.replaceChildren(row([cell('run', { header: true }), ...r.configDiff.map((d) => cell(d.path, { header: true }))]));
    r.runDirs.forEach((dir, i) =>
      diffTable.append(
        row([
          runCell(dir),
          ...r.configDiff.map((d) => {
            const v = d.values[i];
            const c = cell(configValue(v));
            if (v === null || v === undefined) c.classList.add('absent');
            return c;
          }),
        ]),
      ),
    );
  }
  const columns: { label: string; percent?: boolean; value: (f: CompareRunsResult['final'][number]) => number | null }[] = [
    { label: 'step', value: (f) => f.step },
    { label: 'train loss (mini-batch)', value: (f) => f.trainLoss },
    { label: 'training-subset loss', value: (f) => f.trainSubsetLoss },
    { label: 'validation loss', value: (f) => f.validationLoss },
    { label: 'validation accuracy', percent: true, value: (f) => f.validationAccuracy },
    { label: 'test loss', value: (f) => f.testLoss },
    { label: 'test accuracy', percent: true, value: (f) => f.testAccuracy },
    { label: 'SRR measure', value: (f) => f.srr },
    { label: 'generalization gap', value: (f) => f.generalizationGap },
    { label: 'accuracy gap', percent: true, value: (f) => f.accuracyGap },
  ];
  finalTable.replaceChildren(row([cell('run', { header: true }), cell('status', { header: true }), ...columns.map((c) => cell(c.label, { header: true }))]));
  r.final.forEach((f, i) => {
    const dir = r.runDirs[i];
    finalTable.append(
      row([
        runCell(dir),
        cell(shown?.kept.has(dir) ? `${f.status} (deleted)` : f.status),
        ...columns.map((c) => {
          const v = c.value(f);
          return cell(c.label === 'step' ? String(v) : metric(v, !!c.percent), { numeric: true, title: v === null ? 'not recorded' : String(v) });
        }),
      ]),
    );
  });
}

/** The banner naming the deleted members, and whether the panel still shows them. */
function renderRemoved(styles: ReturnType<typeof runStyles>): void {
  const gone = allRuns().filter((d) => deleted.has(d));
  if (gone.length === 0) return banners.showRemoved('');
  const named = gone.map((d) => `${styles.get(d)?.label ?? d} (${d})`).join(', ');
  const [it, is] = gone.length > 1 ? ['them', 'are'] : ['it', 'is'];
  const keptAll = gone.every((d) => shown?.result.runDirs.includes(d));
  const what = !shown ? '' : keptAll ? ` What the panel had of ${it} stays shown.` : ` The panel had no data for ${it}: ${it === 'it' ? 'it' : 'they'} ${is} left out, the other runs are shown.`;
  banners.showRemoved(`Run directory deleted: ${named}.${what}`);
}

/** The "Tags and notes" table of the runs shown. */
function renderIdentity(styles = runStyles()): void {
  const dirs = shown?.result.runDirs ?? [];
  runIdentity.show(dirs.map((dir) => ({ name: styles.get(dir)!.label, title: styles.get(dir)!.full, color: styles.get(dir)!.color, run: summaries.get(dir) })));
}

function render(): void {
  const r = shown?.result;
  const styles = runStyles();
  renderRemoved(styles);
  waiting.hidden = !!r;
  toolbar.hidden = !r;
  if (!r) return;
  renderLegend(r, styles);
  renderCurves(r, styles);
  renderTables(r, styles);
  renderIdentity(styles);
  renderScatter(r, styles);
  scatter.setAttribute('aria-label', `Scatter of SRR measure against generalization gap for ${r.final.length} runs; ${tauCaption(r.kendallTau)}`);
  tau.textContent = tauCaption(r.kendallTau);
}

function renderScatter(r: CompareRunsResult, styles = runStyles()): void {
  const labels = r.runDirs.map((d) => styles.get(d)!.label);
  scatterPoints = drawScatter(scatter, r.final, labels, r.runDirs.map((d) => styles.get(d)!.color), pickedRun);
  const p = scatterPoints.find((q) => q.run === pickedRun);
  scatterReadout.textContent = p
    ? `${labels[p.run]}: SRR measure ${formatShort(p.srr)}, generalization gap ${formatShort(p.gap)}`
    : scatterPoints.length
      ? 'Point at a run, or focus the plot and use the arrow keys, to read its values.'
      : '';
}

function pickRun(run: number | null): void {
  if (run === pickedRun || !shown) return;
  pickedRun = run;
  renderScatter(shown.result);
}

function exportPng(): void {
  const r = shown?.result;
  if (!r) return;
  const styles = runStyles();
  const charts: ExportChart[] = Object.entries(r.series).map(([key, series]) => ({ key, title: curveAxes(key).title, series, axes: curveAxes(key) }));
  const dataUrl = composeComparePng(r, charts, r.runDirs.map((d) => styles.get(d)!.label), r.runDirs.map((d) => styles.get(d)!.color), chartTheme());
  host.post({ type: 'exportPng', name: `compare-${r.runDirs.length}-runs.png`, dataUrl });
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
      members = message.state.runDirs;
      for (const s of message.runs) summaries.set(s.dir, s);
      render();
      break;
    case 'runs': {
      // Status changes arrive often while a sweep trains; only a renamed run changes what is drawn.
      const labels = () => JSON.stringify(shortRunLabels(allRuns().map(identity)));
      const before = labels();
      for (const s of message.runs) summaries.set(s.dir, s);
      if (labels() !== before) render();
      else renderIdentity(); // a tag or note edited: that table alone
      break;
    }
    case 'compare':
      banners.clearError();
      for (const d of message.result.missing ?? []) deleted.add(d);
      // A run picked in the scatter stays picked if it is still there.
      {
        const pickedDir = pickedRun === null ? undefined : shown?.result.runDirs[pickedRun];
        shown = keepDeletedRuns(shown, message.result);
        pickedRun = pickedDir === undefined ? null : shown.result.runDirs.indexOf(pickedDir) >= 0 ? shown.result.runDirs.indexOf(pickedDir) : null;
      }
      render();
      break;
    case 'runRemoved':
      deleted.add(message.runDir);
      renderRemoved(runStyles());
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
