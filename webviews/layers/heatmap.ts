// A layer × step heatmap on a canvas: a step axis (columns spaced by step: each column reaches
// halfway to its neighbours, so a gap in the introspection steps shows as a wide column), a
// ticked colour bar, and a read-out of the cell under the pointer or the keyboard selection
// (arrow keys move it; the canvas is focusable). The plot geometry is published as data-*
// attributes so tests can address cells.
import { ColorBar } from '../shared/colorBar.js';
import { colormapIndex, colormapTable, type ColormapName } from '../shared/colormaps.js';
import { explainedHeading } from '../shared/explainedHeading.js';
import { formatShort } from '../shared/numberFormat.js';
import { chartTheme } from '../shared/theme.js';
import { niceTicks } from '../shared/ticks.js';

export interface HeatmapData {
  /** Row labels (layer indices), top to bottom. */
  rows: number[];
  /** Column labels (steps), left to right. */
  cols: number[];
  /** values[r * cols.length + c]; NaN where the metric is missing. */
  values: Float64Array;
}

const rowHeight = 22;
const labelWidth = 64;
/** Room right of the plot for the last tick label. */
const rightPad = 16;
/** Tick marks, their labels and the axis title under the plot. */
const axisHeight = 34;

/** Column boundaries in steps: halfway between neighbouring steps, half a gap beyond the ends. */
export function columnEdges(steps: number[]): number[] {
  if (steps.length === 0) return [0, 1];
  if (steps.length === 1) return [steps[0] - 0.5, steps[0] + 0.5];
  const edges = [steps[0] - (steps[1] - steps[0]) / 2];
  for (let c = 1; c < steps.length; c++) edges.push((steps[c - 1] + steps[c]) / 2);
  const n = steps.length - 1;
  edges.push(steps[n] + (steps[n] - steps[n - 1]) / 2);
  return edges;
}

export class Heatmap {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly readout: HTMLDivElement;
  private readonly colorBar: ColorBar;
  /** Column boundaries in CSS px (cols + 1 of them), from the last draw. */
  private edgesPx: number[] = [];
  private data: HeatmapData = { rows: [], cols: [], values: new Float64Array(0) };
  private selected = { row: 0, col: -1 };
  private range: [number, number] = [0, 1];
  private readonly scaleTitle: string;

  constructor(
    readonly id: string,
    private readonly title: string,
    o: { explanation: string; scaleTitle: string },
    private readonly colormap: ColormapName = 'viridis',
  ) {
    this.scaleTitle = o.scaleTitle;
    this.element = document.createElement('section');
    this.element.className = 'heatmap';
    this.element.dataset.heatmap = id;
    const heading = explainedHeading(title, o.explanation);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${title}: layer by step heatmap; arrow keys select a cell`);
    this.readout = document.createElement('div');
    this.readout.className = 'readout';
    this.readout.setAttribute('aria-live', 'polite');
    this.colorBar = new ColorBar(o.scaleTitle, colormap);
    this.element.append(heading, this.canvas, this.colorBar.element, this.readout);
    this.canvas.addEventListener('mousemove', (e) => this.showCell(this.cellAt(e.offsetX, e.offsetY)));
    this.canvas.addEventListener('mouseleave', () => this.showCell(this.selected.col >= 0 ? this.selected : null));
    this.canvas.addEventListener('click', (e) => {
      const cell = this.cellAt(e.offsetX, e.offsetY);
      if (cell) this.select(cell);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // The selection outline shows only while the heatmap has keyboard focus.
    this.canvas.addEventListener('focus', () => this.draw());
    this.canvas.addEventListener('blur', () => this.draw());
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  /** `range`: the colour scale [lo, hi] (the caller's choice: data range, zero-based or fixed). */
  setData(data: HeatmapData, range: [number, number]): void {
    this.data = data;
    this.range = range;
    this.colorBar.setRange(range[0], range[1]);
    if (this.selected.col >= data.cols.length || this.selected.col < 0) this.selected.col = data.cols.length - 1;
    this.selected.row = Math.min(this.selected.row, Math.max(0, data.rows.length - 1));
    this.draw();
    if (this.selected.col >= 0) this.showCell(this.selected);
  }

  draw(): void {
    this.paint(this.canvas, Math.max(200, this.element.clientWidth || 400), devicePixelRatio, true);
  }

  /** The heatmap drawn anew for export: `width` CSS px at `scale` device pixels each, no selection. */
  exportCanvas(width: number, scale: number): { canvas: HTMLCanvasElement; title: string; range: [number, number]; colormap: ColormapName; scaleTitle: string } {
    const canvas = document.createElement('canvas');
    this.paint(canvas, width, scale, false);
    return { canvas, title: this.title, range: this.range, colormap: this.colormap, scaleTitle: this.scaleTitle };
  }

  private paint(canvas: HTMLCanvasElement, width: number, dpr: number, live: boolean): void {
    const { rows, cols, values } = this.data;
    const plotHeight = Math.max(1, rows.length) * rowHeight;
    const height = plotHeight + axisHeight;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const theme = chartTheme();
    ctx.clearRect(0, 0, width, height);
    const plotWidth = width - labelWidth - rightPad;
    const edges = columnEdges(cols);
    const [first, last] = [edges[0], edges[edges.length - 1]];
    const xOf = (step: number) => labelWidth + ((step - first) / (last - first)) * plotWidth;
    const edgesPx = edges.map(xOf);
    const ticks = cols.length ? niceTicks(cols[0], cols[cols.length - 1], Math.max(1, Math.floor(plotWidth / 60)), true) : [];
    if (live) this.edgesPx = edgesPx;
    if (live) Object.assign(this.canvas.dataset, {
      plotLeft: String(labelWidth), plotTop: '0', plotWidth: String(plotWidth), cellHeight: String(rowHeight),
      rows: String(rows.length), cols: String(cols.length), stepMin: String(first), stepMax: String(last), stepTicks: ticks.join(','),
    });
    const table = colormapTable(this.colormap);
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < cols.length; c++) {
        const v = values[r * cols.length + c];
        if (Number.isNaN(v)) continue;
        const i = colormapIndex(v, this.range[0], this.range[1]) * 3;
        ctx.fillStyle = `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
        // Cells overlap by a pixel fraction so no seams show between them.
        ctx.fillRect(edgesPx[c], r * rowHeight, edgesPx[c + 1] - edgesPx[c] + 0.5, rowHeight);
      }
    }
    ctx.fillStyle = theme.foreground;
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let r = 0; r < rows.length; r++) ctx.fillText(`layer ${rows[r]}`, labelWidth - 6, r * rowHeight + rowHeight / 2);
    // The step axis: a mark and a label at each tick, the title under them.
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillRect(labelWidth, plotHeight, plotWidth, 1);
    for (const t of ticks) {
      const x = Math.round(xOf(t));
      ctx.fillRect(x, plotHeight, 1, 4);
      ctx.fillText(String(t), x + 0.5, plotHeight + 6);
    }
    ctx.textAlign = 'right';
    ctx.fillText('step', labelWidth - 6, plotHeight + 6);
    if (live && this.selected.col >= 0 && document.activeElement === this.canvas) {
      const [x0, x1] = [this.edgesPx[this.selected.col], this.edgesPx[this.selected.col + 1]];
      ctx.strokeStyle = theme.foreground;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + 1, this.selected.row * rowHeight + 1, x1 - x0 - 2, rowHeight - 2);
    }
  }

  private cellAt(x: number, y: number): { row: number; col: number } | null {
    const { rows, cols } = this.data;
    const col = this.edgesPx.findIndex((edge, c) => c < cols.length && x >= edge && x < this.edgesPx[c + 1]);
    const row = Math.floor(y / rowHeight);
    return col >= 0 && col < cols.length && row >= 0 && row < rows.length ? { row, col } : null;
  }

  private showCell(cell: { row: number; col: number } | null): void {
    if (!cell || !this.data.cols.length) {
      this.readout.textContent = '';
      return;
    }
    const v = this.data.values[cell.row * this.data.cols.length + cell.col];
    this.readout.textContent = `layer ${this.data.rows[cell.row]} · step ${this.data.cols[cell.col]} · ${this.title} = ${formatShort(v)}`;
  }

  private select(cell: { row: number; col: number }): void {
    this.selected = cell;
    this.draw();
    this.showCell(cell);
  }

  private onKey(e: KeyboardEvent): void {
    const { rows, cols } = this.data;
    if (!cols.length) return;
    const move: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const d = move[e.key];
    if (!d) return;
    e.preventDefault();
    const col = Math.max(0, Math.min(cols.length - 1, (this.selected.col < 0 ? cols.length - 1 : this.selected.col) + d[1]));
    const row = Math.max(0, Math.min(rows.length - 1, this.selected.row + d[0]));
    this.select({ row, col });
  }
}
