// A layer × step heatmap on a canvas, with a colour-scale legend and a read-out of the cell
// under the pointer or the keyboard selection (arrow keys move it; the canvas is focusable).
// The plot geometry is published as data-* attributes so tests can address cells.
import { colormapBar, colormapIndex, colormapTable, type ColormapName } from '../shared/colormaps.js';
import { formatShort } from '../shared/numberFormat.js';
import { chartTheme } from '../shared/theme.js';

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
const axisHeight = 22;

export class Heatmap {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly readout: HTMLDivElement;
  private readonly legendMin: HTMLSpanElement;
  private readonly legendMax: HTMLSpanElement;
  private data: HeatmapData = { rows: [], cols: [], values: new Float64Array(0) };
  private selected = { row: 0, col: -1 };
  private range: [number, number] = [0, 1];

  constructor(
    readonly id: string,
    private readonly title: string,
    private readonly colormap: ColormapName = 'viridis',
  ) {
    this.element = document.createElement('section');
    this.element.className = 'heatmap';
    this.element.dataset.heatmap = id;
    const heading = document.createElement('h2');
    heading.textContent = title;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${title}: layer by step heatmap; arrow keys select a cell`);
    this.readout = document.createElement('div');
    this.readout.className = 'readout';
    this.readout.setAttribute('aria-live', 'polite');
    const legend = document.createElement('div');
    legend.className = 'legend-bar';
    this.legendMin = document.createElement('span');
    this.legendMax = document.createElement('span');
    const bar = colormapBar(colormap, 160, 10);
    bar.className = 'colormap-bar';
    bar.setAttribute('aria-hidden', 'true');
    legend.append(this.legendMin, bar, this.legendMax);
    this.element.append(heading, this.canvas, legend, this.readout);
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

  setData(data: HeatmapData): void {
    this.data = data;
    let min = Infinity;
    let max = -Infinity;
    for (const v of data.values) {
      if (Number.isNaN(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.range = min <= max ? [min, max] : [0, 1];
    this.legendMin.textContent = formatShort(min <= max ? min : null);
    this.legendMax.textContent = formatShort(min <= max ? max : null);
    if (this.selected.col >= data.cols.length || this.selected.col < 0) this.selected.col = data.cols.length - 1;
    this.selected.row = Math.min(this.selected.row, Math.max(0, data.rows.length - 1));
    this.draw();
    if (this.selected.col >= 0) this.showCell(this.selected);
  }

  draw(): void {
    const { rows, cols, values } = this.data;
    const width = Math.max(200, this.element.clientWidth || 400);
    const height = axisHeight + Math.max(1, rows.length) * rowHeight;
    const dpr = devicePixelRatio;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const theme = chartTheme();
    ctx.clearRect(0, 0, width, height);
    const cellW = cols.length ? (width - labelWidth) / cols.length : 0;
    Object.assign(this.canvas.dataset, { plotLeft: String(labelWidth), plotTop: '0', cellWidth: String(cellW), cellHeight: String(rowHeight), rows: String(rows.length), cols: String(cols.length) });
    const table = colormapTable(this.colormap);
    for (let r = 0; r < rows.length; r++) {
      for (let c = 0; c < cols.length; c++) {
        const v = values[r * cols.length + c];
        if (Number.isNaN(v)) continue;
        const i = colormapIndex(v, this.range[0], this.range[1]) * 3;
        ctx.fillStyle = `rgb(${table[i]},${table[i + 1]},${table[i + 2]})`;
        // Cells overlap by a pixel fraction so no seams show between them.
        ctx.fillRect(labelWidth + c * cellW, r * rowHeight, cellW + 0.5, rowHeight);
      }
    }
    ctx.fillStyle = theme.foreground;
    ctx.font = theme.font;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let r = 0; r < rows.length; r++) ctx.fillText(`layer ${rows[r]}`, labelWidth - 6, r * rowHeight + rowHeight / 2);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const every = Math.max(1, Math.ceil(cols.length / Math.max(1, Math.floor((width - labelWidth) / 60))));
    for (let c = 0; c < cols.length; c += every) ctx.fillText(String(cols[c]), labelWidth + (c + 0.5) * cellW, rows.length * rowHeight + 5);
    if (this.selected.col >= 0 && document.activeElement === this.canvas) {
      ctx.strokeStyle = theme.foreground;
      ctx.lineWidth = 2;
      ctx.strokeRect(labelWidth + this.selected.col * cellW + 1, this.selected.row * rowHeight + 1, cellW - 2, rowHeight - 2);
    }
  }

  private cellAt(x: number, y: number): { row: number; col: number } | null {
    const { rows, cols } = this.data;
    const cellW = (this.canvas.clientWidth - labelWidth) / cols.length;
    const col = Math.floor((x - labelWidth) / cellW);
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
