// The dashboard panel: loss, accuracy, learning rate and throughput of one or more runs, live.
// Message flow: posts `ready`; expects `init` (state.runDirs = the runs shown, in colour order),
// then `scalars` per run (replace:true first, then replace:false increments), `runs` when a
// summary changes, `runRemoved`, `error`. Posts `uiState`, `exportPng`, `exportCsv`, `openLog`.
import '../shared/panel.css';
import './dashboard.css';
import type { HostToPanelMessage, ScalarArrays, StepMarks as StepMarksMessage } from '../../protocol/panelMessages.js';
import type { RunSummary } from '../../protocol/runData.js';
import { button, checkboxControl, rangeControl } from '../shared/controls.js';
import { FrameScheduler } from '../shared/frameScheduler.js';
import { connectToHost } from '../shared/hostBridge.js';
import { chartTheme, onThemeChange, runColor } from '../shared/theme.js';
import { mixColors } from '../shared/colorMix.js';
import { renderRunStatus } from './runStatus.js';
import { SeriesBuffer } from './seriesBuffer.js';
import { type ChartSource, type StepMarks, type StepRange, TimeChart } from './timeChart.js';
import { composeChartsPng } from './pngExport.js';
import { PanelBanners, heading } from '../shared/pageParts.js';

interface ChartSpec {
  id: string;
  title: string;
  /** The y axis's title, with its unit. */
  yTitle: string;
  keys: string[];
  /** The log-scale toggle applies to this chart (quantities spanning decades). */
  logAllowed: boolean;
  /** Fractions shown in percent. */
  percent?: boolean;
}

const chartSpecs: ChartSpec[] = [
  { id: 'loss', title: 'Loss', yTitle: 'cross-entropy (nats)', keys: ['loss', 'train.loss', 'validation.loss', 'test.loss'], logAllowed: true },
  { id: 'accuracy', title: 'Accuracy', yTitle: 'accuracy (%)', keys: ['accuracy', 'train.accuracy', 'validation.accuracy', 'test.accuracy'], logAllowed: false, percent: true },
  { id: 'lr', title: 'Learning rate', yTitle: 'learning rate', keys: ['lr'], logAllowed: true },
  { id: 'throughput', title: 'Throughput (images/s)', yTitle: 'images / s', keys: ['imagesPerSecond'], logAllowed: false },
];

interface KeyStyle {
  label: string;
  dash?: number[];
  points?: boolean;
  swatch: 'solid' | 'dashed' | 'dotted' | 'double';
  /** Smoothing applies: the dense training series, never the learning rate or the evaluations. */
  smooth: boolean;
  /** Evaluated at checkpoints of the run on examples it does not train on (or on the training subset). */
  evaluation: boolean;
  /** With one run, the series' own colour: the index in the run palette. */
  hue: number;
}

/**
 * How each key is named in the legend and drawn: the training mini-batches solid, the fixed
 * training subset dash-dotted, validation dashed, test dotted (the evaluations with points). With
 * one run each kind has its own colour; with several, colour tells the runs apart and the
 * held-out series take a second shade of their run's colour.
 */
function keyStyle(key: string): KeyStyle {
  if (key.startsWith('train.')) return { label: 'train subset', dash: [8, 3, 2, 3], points: true, swatch: 'double', smooth: false, evaluation: true, hue: 2 };
  if (key.startsWith('validation.')) return { label: 'validation', dash: [6, 3], points: true, swatch: 'dashed', smooth: false, evaluation: true, hue: 1 };
  if (key.startsWith('test.')) return { label: 'test', dash: [2, 3], points: true, swatch: 'dotted', smooth: false, evaluation: true, hue: 3 };
  const training = key === 'loss' || key === 'accuracy';
  return { label: training ? 'train batch' : '', swatch: 'solid', smooth: key !== 'lr', evaluation: false, hue: 0 };
}

interface RunData {
  dir: string;
  summary: RunSummary | undefined;
  series: Map<string, SeriesBuffer>;
  removed: boolean;
  /** Steps where the run was stopped and resumed, and its steps per epoch (the charts' markers). */
  resumedAt: number[];
  stepsPerEpoch?: number;
}

const host = connectToHost('dashboard', { smoothing: 0, logScale: false, zoom: null as StepRange | null });
const app = document.getElementById('app')!;
const runs = new Map<string, RunData>();
let order: string[] = [];

const title = heading('Dashboard');
const banners = new PanelBanners();
const runList = document.createElement('ul');
runList.className = 'run-list';
runList.setAttribute('aria-label', 'Runs');

const charts: TimeChart[] = chartSpecs.map(
  (spec, i) =>
    new TimeChart({
      id: spec.id,
      title: spec.title,
      yTitle: spec.yTitle,
      percent: spec.percent,
      marks: stepMarks,
      logScale: spec.logAllowed && host.ui.logScale,
      smoothing: () => host.ui.smoothing,
      onZoomRequest: (range) => setZoom(range, i),
      syncKey: 'dashboard',
      sharedRange: () => allSteps(),
    }),
);

const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
toolbar.setAttribute('role', 'toolbar');
const smoothing = rangeControl(
  'Smoothing (EMA)',
  'smoothing',
  { min: 0, max: 0.99, step: 0.01, value: host.ui.smoothing, show: (v) => v.toFixed(2) },
  (v) => {
    host.updateUi({ smoothing: v });
    frames.now();
  },
);
const logScale = checkboxControl('Log scale (loss, learning rate)', 'logScale', host.ui.logScale, (checked) => {
  host.updateUi({ logScale: checked });
  charts.forEach((c, i) => c.setLogScale(chartSpecs[i].logAllowed && checked));
});
toolbar.append(
  smoothing.element,
  logScale,
  button('Reset zoom', () => setZoom(null), { secondary: true, title: 'Also: double-click a chart, or Escape' }),
  button('Export PNG', exportPng),
  button('Export CSV', () => order.forEach((runDir) => host.post({ type: 'exportCsv', runDir })), { secondary: true }),
);

const chartGrid = document.createElement('div');
chartGrid.className = 'grid';
chartGrid.append(...charts.map((c) => c.element));
app.append(title, banners.error, banners.removed, runList, toolbar, chartGrid);

// Structure (which series exist) rebuilds the plots; data only re-renders them.
let structureChanged = true;
const frames = new FrameScheduler(() => {
  if (structureChanged) {
    structureChanged = false;
    charts.forEach((chart, i) => chart.setSources(sourcesFor(chartSpecs[i])));
  } else charts.forEach((chart) => chart.render());
}, 250);

function sourcesFor(spec: ChartSpec): ChartSource[] {
  const multi = order.length > 1;
  const foreground = chartTheme().foreground;
  const sources: ChartSource[] = [];
  order.forEach((dir, runIndex) => {
    const run = runs.get(dir);
    if (!run) return;
    for (const key of spec.keys) {
      const buffer = run.series.get(key);
      if (!buffer) continue;
      const style = keyStyle(key);
      const name = runName(dir);
      const label = [multi || !style.label ? name : '', style.label].filter(Boolean).join(' · ') || name;
      const color = !multi ? runColor(style.hue) : style.evaluation ? mixColors(runColor(runIndex), foreground, 0.45) : runColor(runIndex);
      sources.push({ label, color, dash: style.dash, points: style.points, swatch: style.swatch, smooth: style.smooth, buffer });
    }
  });
  return sources;
}

function runName(dir: string): string {
  return runs.get(dir)?.summary?.name ?? dir.split(/[\\/]/).pop() ?? dir;
}

/** Resumes (in the run's colour, or the text colour for a lone run: its series use the palette) and epoch starts. */
function stepMarks(): StepMarks {
  const multi = order.length > 1;
  const resumes: StepMarks['resumes'] = [];
  const perEpoch = new Set<number>();
  order.forEach((dir, i) => {
    const run = runs.get(dir);
    if (!run) return;
    const color = multi ? runColor(i) : chartTheme().foreground;
    for (const step of run.resumedAt) resumes.push({ step, color });
    if (run.stepsPerEpoch) perEpoch.add(run.stepsPerEpoch);
  });
  return { resumes, stepsPerEpoch: [...perEpoch], lastStep: allSteps(false)?.[1] ?? -Infinity };
}

/**
 * The steps covered by every series of every run: all charts share this axis. While a run is
 * live the axis ends at a round step past the data, so appended points land inside it and the
 * other runs' downsampled points stay valid (they are recomputed only when the axis grows);
 * `headroom: false` gives the data's own steps.
 */
function allSteps(headroom = true): StepRange | null {
  let min = Infinity;
  let max = -Infinity;
  let live = false;
  for (const run of runs.values()) {
    live ||= run.summary?.status === 'running' && !run.removed;
    for (const buffer of run.series.values()) {
      if (buffer.length === 0) continue;
      min = Math.min(min, buffer.firstStep);
      max = Math.max(max, buffer.lastStep);
    }
  }
  if (!(min <= max)) return null;
  if (!live || !headroom) return [min, max];
  const unit = Math.max(1, 10 ** Math.floor(Math.log10(Math.max(1, max - min))) / 10);
  return [min, (Math.floor(max / unit) + 1) * unit];
}

function runData(dir: string): RunData {
  let run = runs.get(dir);
  if (!run) {
    run = { dir, summary: undefined, series: new Map(), removed: false, resumedAt: [] };
    runs.set(dir, run);
    if (!order.includes(dir)) order.push(dir);
    structureChanged = true;
  }
  return run;
}

function acceptScalars(runDir: string, replace: boolean, series: Record<string, ScalarArrays>, marks: StepMarksMessage | undefined): void {
  const run = runData(runDir);
  if (replace) for (const buffer of run.series.values()) buffer.clear();
  if (replace) {
    run.resumedAt = [...(marks?.resumedAt ?? [])];
    run.stepsPerEpoch = marks?.stepsPerEpoch;
  } else if (marks) run.resumedAt.push(...marks.resumedAt);
  for (const [key, arrays] of Object.entries(series)) {
    let buffer = run.series.get(key);
    if (!buffer) {
      buffer = new SeriesBuffer();
      run.series.set(key, buffer);
      structureChanged = true;
    }
    buffer.append(arrays.step, arrays.value);
  }
}

let warmUpPending = false;
/** After a full series arrives, compile the zoom path while the user is not doing anything. */
function warmUpWhenIdle(): void {
  if (warmUpPending) return;
  warmUpPending = true;
  requestIdleCallback(
    () => {
      warmUpPending = false;
      charts.forEach((c) => c.warmUp());
    },
    { timeout: 2000 },
  );
}

let zoomFrame = 0;
/**
 * Zooms every chart to `range`: the chart the user acted on at once, the others one per
 * animation frame after it, so no frame carries more than one chart's redraw.
 */
function setZoom(range: StepRange | null, first = 0): void {
  host.updateUi({ zoom: range });
  cancelAnimationFrame(zoomFrame);
  const pending = charts.filter((_, i) => i !== first);
  charts[first].setZoom(range);
  const next = () => {
    const chart = pending.shift();
    if (!chart) return;
    chart.setZoom(range);
    zoomFrame = requestAnimationFrame(next);
  };
  zoomFrame = requestAnimationFrame(next);
}

function showStatus(): void {
  renderRunStatus(
    runList,
    order.map((dir, i) => ({ dir, summary: runs.get(dir)?.summary, color: runColor(i), removed: runs.get(dir)?.removed ?? false })),
    (runDir) => host.post({ type: 'openLog', runDir }),
  );
  const removed = order.filter((dir) => runs.get(dir)?.removed);
  banners.showRemoved(removed.length ? `Run directory deleted: ${removed.join(', ')}. The data already shown stays visible until the panel is closed.` : '');
}

function exportPng(): void {
  const dataUrl = composeChartsPng(charts, chartTheme(), order.map(runName));
  const first = runs.get(order[0])?.summary;
  host.post({ type: 'exportPng', name: `${first?.id ?? 'dashboard'}-charts.png`, dataUrl });
}

function onMessage(message: HostToPanelMessage): void {
  switch (message.type) {
    case 'init':
      host.adoptState(message.state);
      order = [...message.state.runDirs];
      for (const dir of order) runData(dir);
      for (const s of message.runs) runData(s.dir).summary = s;
      structureChanged = true;
      smoothing.set(host.ui.smoothing);
      logScale.checked = host.ui.logScale;
      charts.forEach((c, i) => {
        c.setLogScale(chartSpecs[i].logAllowed && host.ui.logScale);
        c.setZoom(host.ui.zoom);
      });
      showStatus();
      frames.now();
      break;
    case 'runs':
      for (const s of message.runs) runData(s.dir).summary = s;
      showStatus();
      // A run that stopped being live gives up the axis headroom (allSteps).
      frames.live();
      break;
    case 'scalars':
      banners.clearError();
      acceptScalars(message.runDir, message.replace, message.series, message.marks);
      if (structureChanged) frames.now();
      else frames.live();
      if (message.replace) warmUpWhenIdle();
      break;
    case 'runRemoved':
      runData(message.runDir).removed = true;
      showStatus();
      break;
    default:
      banners.handle(message);
  }
}

onThemeChange(() => {
  structureChanged = true;
  showStatus();
  frames.now();
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && host.ui.zoom) setZoom(null);
});
host.listen(onMessage);
charts.forEach((c) => c.setZoom(host.ui.zoom));
host.ready();
