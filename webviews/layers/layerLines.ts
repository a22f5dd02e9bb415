// Per-layer lines at one introspection step (x = layer), as in the SRR study's figures: one
// uPlot chart per quantity, R and Rc sharing one because they share a scale. Axis titles with
// units, whole-layer ticks, one number format per axis; each quantity its own colour and dash (and
// legend swatch); the legend shows the last layer's values when not hovering.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LayerMetricsRecord } from '../../protocol/runData.js';
import { cursorKeysHelp, moveCursorByKey } from '../shared/chartKeys.js';
import { formatShort } from '../shared/numberFormat.js';
import { axisTickLabels, integerIncrements, integerTickLabels } from '../shared/axisFormat.js';
import type { ChartImage } from '../shared/chartImage.js';
import { explainedHeading } from '../shared/explainedHeading.js';
import { chartTheme, runColor } from '../shared/theme.js';

export interface LineSpec {
  id: string;
  title: string;
  /** What the quantities measure and which direction is better (shown on hover of the heading). */
  explanation: string;
  /** The y axis's title, with its unit. */
  yTitle: string;
  /** Each quantity: its colour is the i-th of the run palette; `dash` also styles its legend swatch. */
  keys: { key: keyof LayerMetricsRecord; label: string; dash?: number[] }[];
}

export class LayerLines {
  readonly element: HTMLElement;
  private readonly holder: HTMLDivElement;
  private plot: uPlot | undefined;
  private layers: LayerMetricsRecord[] = [];

  constructor(private readonly spec: LineSpec) {
    this.element = document.createElement('section');
    this.element.dataset.lines = spec.id;
    const heading = explainedHeading(spec.title, spec.explanation);
    this.holder = document.createElement('div');
    this.holder.tabIndex = 0;
    this.holder.setAttribute('role', 'group');
    this.holder.setAttribute('aria-label', `${spec.title} per layer`);
    this.holder.setAttribute('aria-description', cursorKeysHelp);
    this.holder.addEventListener('keydown', (e) => {
      if (this.plot && moveCursorByKey(this.plot, e)) e.preventDefault();
    });
    this.element.append(heading, this.holder);
    new ResizeObserver(() => {
      const w = Math.floor(this.holder.clientWidth);
      if (this.plot && w > 0 && w !== this.plot.width) this.plot.setSize({ width: w, height: 200 });
    }).observe(this.holder);
  }

  setLayers(layers: LayerMetricsRecord[]): void {
    this.layers = layers;
    if (!this.plot) this.rebuild();
    else {
      this.plot.setData(this.data());
      if (this.plot.cursor.left == null || this.plot.cursor.left < 0) this.plot.setLegend({ idx: null as unknown as number });
    }
  }

  rebuild(): void {
    this.plot?.destroy();
    const theme = chartTheme();
    const axis = { stroke: theme.foreground, font: theme.font, labelFont: theme.font, labelSize: 16, labelGap: 0, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    this.plot = new uPlot(
      {
        width: Math.max(200, Math.floor(this.holder.clientWidth) || 400),
        height: 200,
        scales: { x: { time: false } },
        axes: [
          { ...axis, label: 'layer', incrs: integerIncrements, values: (_u, s) => this.shown('xTicks', integerTickLabels(s)) },
          { ...axis, label: this.spec.yTitle, size: 60, values: (_u, s) => this.shown('yTicks', axisTickLabels(s)) },
        ],
        legend: { markers: { width: 2, dash: (_u, si) => (si > 0 && this.spec.keys[si - 1]?.dash ? 'dashed' : 'solid') } },
        series: [
          { label: 'layer', value: (_u: uPlot, v: number | null) => (v == null ? '—' : String(v)) },
          ...this.spec.keys.map((k, i) => ({
            label: k.label,
            stroke: runColor(i),
            width: 2,
            dash: k.dash,
            points: { show: true, size: 6, fill: runColor(i) },
            // Not hovering: the last layer's value (what the network passes on).
            value: (_u: uPlot, v: number | null, _si: number, idx: number | null) => formatShort(idx == null ? this.lastValue(k.key) : v),
          })),
        ],
        cursor: { drag: { x: false, y: false } },
      },
      this.data(),
      this.holder,
    );
    this.plot.setLegend({ idx: null as unknown as number });
  }

  /** Tick labels as drawn, also kept on the element for tests and tools reading the chart. */
  private shown(axis: 'xTicks' | 'yTicks', labels: string[]): string[] {
    this.element.dataset[axis] = labels.join('|');
    return labels;
  }

  private lastValue(key: keyof LayerMetricsRecord): number | null {
    const last = this.layers.at(-1);
    return last ? (last[key] as number) : null;
  }

  /** The chart as drawn now, for export (shared/chartImage.ts). */
  image(): ChartImage | undefined {
    const plot = this.plot;
    if (!plot) return undefined;
    const layers = this.layers.map((l) => l.layer);
    return {
      title: this.spec.title,
      xTitle: 'layer',
      yTitle: this.spec.yTitle,
      x: [plot.scales.x.min ?? Math.min(...layers), plot.scales.x.max ?? Math.max(...layers)],
      y: [plot.scales.y.min ?? 0, plot.scales.y.max ?? 1],
      integerX: true,
      xLabels: integerTickLabels,
      yLabels: axisTickLabels,
      lines: this.spec.keys.map((k, i) => ({ xs: layers, ys: this.layers.map((l) => l[k.key] as number), color: runColor(i), width: 2, dash: k.dash, points: true })),
      legend: this.spec.keys.map((k, i) => ({ label: k.label, color: runColor(i), dash: k.dash, value: formatShort(this.lastValue(k.key)) })),
    };
  }

  private data(): uPlot.AlignedData {
    return [this.layers.map((l) => l.layer), ...this.spec.keys.map((k) => this.layers.map((l) => l[k.key] as number))];
  }
}
