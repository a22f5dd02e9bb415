// Per-layer lines at one introspection step (x = layer), as in the SRR study's figures: one
// uPlot chart per quantity, R and Rc sharing one because they share a scale.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { LayerMetricsRecord } from '../../protocol/runData.js';
import { cursorKeysHelp, moveCursorByKey } from '../shared/chartKeys.js';
import { formatShort } from '../shared/numberFormat.js';
import { explainedHeading } from '../shared/explainedHeading.js';
import { chartTheme, runColor } from '../shared/theme.js';

export interface LineSpec {
  id: string;
  title: string;
  /** What the quantities measure and which direction is better (shown on hover of the heading). */
  explanation: string;
  keys: { key: keyof LayerMetricsRecord; label: string }[];
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
    else this.plot.setData(this.data());
  }

  rebuild(): void {
    this.plot?.destroy();
    const theme = chartTheme();
    const axis = { stroke: theme.foreground, font: theme.font, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 } };
    this.plot = new uPlot(
      {
        width: Math.max(200, Math.floor(this.holder.clientWidth) || 400),
        height: 200,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: 'layer', incrs: [1, 2, 5, 10], values: (_u, s) => s.map((v) => String(v)) }, { ...axis, size: 56, values: (_u, s) => s.map((v) => formatShort(v)) }],
        series: [
          { label: 'layer' },
          ...this.spec.keys.map((k, i) => ({ label: k.label, stroke: runColor(i), width: 2, points: { show: true, size: 6, fill: runColor(i) }, value: (_u: uPlot, v: number | null) => formatShort(v) })),
        ],
        cursor: { drag: { x: false, y: false } },
      },
      this.data(),
      this.holder,
    );
  }

  private data(): uPlot.AlignedData {
    return [this.layers.map((l) => l.layer), ...this.spec.keys.map((k) => this.layers.map((l) => l[k.key] as number))];
  }
}
