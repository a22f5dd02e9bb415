// The layers panel: layer × step heatmaps of R, Rc, the SRR measure and code sparsity, and
// per-layer lines at a chosen introspection step (the latest unless the user picks one), live.
// Message flow: posts `ready`; expects `init` (state.runDirs[0] is shown; a select switches
// between several), `layers` per run (replace:true first, then replace:false increments),
// `runs`, `runRemoved`, `error`. Posts `uiState`.
import '../shared/panel.css';
import './layers.css';
import type { HostToPanelMessage } from '../../protocol/panelMessages.js';
import type { GetLayerMetricsResult, RunSummary } from '../../protocol/runData.js';
import type { LayerMetricsRecord } from '../../protocol/runData.js';
import { button, rangeControl, selectControl } from '../shared/controls.js';
import { FrameScheduler } from '../shared/frameScheduler.js';
import { connectToHost } from '../shared/hostBridge.js';
import { chartTheme, onThemeChange } from '../shared/theme.js';
import { layersPng } from './pngExport.js';
import { Heatmap, type HeatmapData } from './heatmap.js';
import { LayerLines } from './layerLines.js';
import { PanelBanners, heading, note } from '../shared/pageParts.js';
import { layerMetricExplanations, type LayerMetricKey } from './metricExplanations.js';

type Points = GetLayerMetricsResult['points'];
type MetricKey = LayerMetricKey;
/** The heatmaps' colour scale: each metric's data range, or one that starts at zero. */
type ScaleChoice = 'data' | 'zero';

const metrics: { key: MetricKey; title: string; scaleTitle: string }[] = [
  { key: 'R', title: 'R (coding rate)', scaleTitle: 'R (nats)' },
  { key: 'Rc', title: 'Rc (compression)', scaleTitle: 'Rc (nats)' },
  { key: 'srr', title: 'SRR measure', scaleTitle: 'density + Rc − R' },
  { key: 'codeZeroFraction', title: 'Code sparsity (zero fraction)', scaleTitle: 'zero fraction' },
];

const host = connectToHost('layers', { run: '' as string, step: null as number | null, scale: 'data' as ScaleChoice });
const app = document.getElementById('app')!;
const data = new Map<string, Points>();
const summaries = new Map<string, RunSummary>();
let runDirs: string[] = [];

const title = heading('Layer metrics');
const banners = new PanelBanners();
const empty = note('No introspection step yet: the run records layer metrics every introspect.every steps.');

const runSelect = selectControl('Run', 'run', (run) => {
  host.updateUi({ run, step: null });
  frames.now();
});
const stepSlider = rangeControl(
  'Step for the per-layer lines',
  'step',
  { min: 0, max: 0, step: 1, value: 0, show: (i) => { const s = currentPoints()[i]?.step; return s === undefined ? '—' : `step ${s}`; } },
  (i) => {
    const points = currentPoints();
    // The last position means "follow the latest step" as new ones arrive.
    host.updateUi({ step: i >= points.length - 1 ? null : points[i].step });
    frames.now();
  },
);
const scaleSelect = selectControl('Colour scale', 'scale', (scale) => {
  host.updateUi({ scale: scale === 'zero' ? 'zero' : 'data' });
  frames.now();
});
const toolbar = document.createElement('div');
toolbar.className = 'toolbar';
toolbar.append(runSelect.element, stepSlider.element, scaleSelect.element, button('Export PNG', exportPng));

const heatmaps = metrics.map((m) => new Heatmap(m.key, m.title, { explanation: layerMetricExplanations[m.key], scaleTitle: m.scaleTitle }));
const heatmapGrid = document.createElement('div');
heatmapGrid.className = 'grid';
heatmapGrid.append(...heatmaps.map((h) => h.element));
const linesTitle = document.createElement('h2');
linesTitle.className = 'lines-title';
const lines = [
  new LayerLines({ id: 'rates', title: 'R and Rc', yTitle: 'coding rate (nats)', explanation: `${layerMetricExplanations.R}\n${layerMetricExplanations.Rc}`, keys: [{ key: 'R', label: 'R' }, { key: 'Rc', label: 'Rc', dash: [6, 3] }] }),
  new LayerLines({ id: 'srr', title: 'SRR measure', yTitle: 'density + Rc − R (nats)', explanation: layerMetricExplanations.srr, keys: [{ key: 'srr', label: 'SRR' }] }),
  new LayerLines({ id: 'sparsity', title: 'Code sparsity', yTitle: 'zero fraction of the codes', explanation: layerMetricExplanations.codeZeroFraction, keys: [{ key: 'codeZeroFraction', label: 'zero fraction' }] }),
];
const linesGrid = document.createElement('div');
linesGrid.className = 'grid';
linesGrid.append(...lines.map((l) => l.element));
app.append(title, banners.error, banners.removed, toolbar, empty, heatmapGrid, linesTitle, linesGrid);

function currentRun(): string {
  return runDirs.includes(host.ui.run) ? host.ui.run : (runDirs[0] ?? '');
}

function currentPoints(): Points {
  return data.get(currentRun()) ?? [];
}

function heatmapData(points: Points, key: MetricKey): HeatmapData {
  const layerIds = [...new Set(points.flatMap((p) => p.layers.map((l) => l.layer)))].sort((a, b) => a - b);
  const rowOf = new Map(layerIds.map((l, i) => [l, i]));
  const values = new Float64Array(layerIds.length * points.length).fill(NaN);
  points.forEach((p, c) => {
    for (const l of p.layers) values[rowOf.get(l.layer)! * points.length + c] = l[key];
  });
  return { rows: layerIds, cols: points.map((p) => p.step), values };
}

/** The colour scale of one heatmap. Zero-based: the range widened to include 0, and the zero
 *  fraction on its whole possible range [0, 1], so colours compare across runs and steps. */
function colourRange(values: Float64Array, key: MetricKey, scale: ScaleChoice): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (scale === 'zero' && key === 'codeZeroFraction') return [0, 1];
  if (!(min <= max)) return [0, 1];
  return scale === 'zero' ? [Math.min(0, min), Math.max(0, max)] : [min, max];
}

function render(): void {
  const points = currentPoints();
  runSelect.setOptions(
    runDirs.map((dir) => ({ value: dir, label: summaries.get(dir)?.name ? `${summaries.get(dir)!.name} (${summaries.get(dir)!.id})` : dir })),
    currentRun(),
  );
  runSelect.element.hidden = runDirs.length < 2;
  empty.hidden = points.length > 0;
  scaleSelect.setOptions(
    [{ value: 'data', label: 'Data range' }, { value: 'zero', label: 'Zero-based' }],
    host.ui.scale,
  );
  heatmaps.forEach((h, i) => {
    const d = heatmapData(points, metrics[i].key);
    h.setData(d, colourRange(d.values, metrics[i].key, host.ui.scale));
  });
  let index = points.length - 1;
  if (host.ui.step !== null) {
    const chosen = points.findIndex((p) => p.step === host.ui.step);
    if (chosen >= 0) index = chosen;
  }
  stepSlider.set(Math.max(0, index), 0, Math.max(0, points.length - 1));
  const layers: LayerMetricsRecord[] = points[index]?.layers ?? [];
  linesTitle.textContent = points[index] ? `Per layer at step ${points[index].step}${index === points.length - 1 ? ' (latest)' : ''}` : 'Per layer';
  lines.forEach((l) => l.setLayers(layers));
}

const frames = new FrameScheduler(render, 100);

/** The heatmaps and the per-layer lines as one PNG at 2× (pngExport.ts). */
function exportPng(): void {
  const run = currentRun();
  const summary = summaries.get(run);
  const name = summary?.name ?? run.split(/[\\/]/).pop() ?? 'run';
  const dataUrl = layersPng(lines, heatmaps, chartTheme(), `Layer metrics · ${name} · ${linesTitle.textContent ?? ''}`);
  host.post({ type: 'exportPng', name: `${summary?.id ?? 'layers'}-layers.png`, dataUrl });
}

function acceptLayers(runDir: string, replace: boolean, points: Points): void {
  const had = replace ? [] : (data.get(runDir) ?? []);
  const first = points[0]?.step ?? Infinity;
  // A resumed run re-logs from its checkpoint: drop what the new points supersede.
  data.set(runDir, [...had.filter((p) => p.step < first), ...points]);
}

function onMessage(message: HostToPanelMessage): void {
  switch (message.type) {
    case 'init':
      host.adoptState(message.state);
      runDirs = [...message.state.runDirs];
      for (const s of message.runs) summaries.set(s.dir, s);
      frames.now();
      break;
    case 'runs':
      for (const s of message.runs) summaries.set(s.dir, s);
      frames.now();
      break;
    case 'layers':
      banners.clearError();
      if (!runDirs.includes(message.runDir)) runDirs.push(message.runDir);
      acceptLayers(message.runDir, message.replace, message.points);
      if (message.replace) frames.now();
      else frames.live();
      break;
    default:
      banners.handle(message);
  }
}

onThemeChange(() => {
  lines.forEach((l) => l.rebuild());
  heatmaps.forEach((h) => h.draw());
});
host.listen(onMessage);
host.ready();
