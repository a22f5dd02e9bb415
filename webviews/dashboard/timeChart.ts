// One uPlot time-series chart of the dashboard: series drawn from SeriesBuffers, downsampled to
// the pixel width of the visible step window, zoomed by the owner (so all charts zoom together),
// with hover and keyboard read-outs in uPlot's legend (the latest values when not hovering), axis
// titles, whole-step ticks, one number format per axis, the raw line faded under a smoothed one,
// and markers where the run was resumed and where epochs begin.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartTheme, withAlpha, type ChartTheme } from '../shared/theme.js';
import { cursorKeysHelp, cursorLeft, moveCursorByKey } from '../shared/chartKeys.js';
import { formatShort } from '../shared/numberFormat.js';
import { axisTickLabels, formatPercent, integerIncrements, integerTickLabels, percentTickLabels } from '../shared/axisFormat.js';
import type { ChartImage, ImageMark } from '../shared/chartImage.js';
import { alignSeries, minMaxColumns, type XY } from './downsample.js';
import type { SeriesBuffer } from './seriesBuffer.js';

export interface ChartSource {
  label: string;
  color: string;
  /** Dash pattern: validation and test curves are dashed/dotted, training solid. */
  dash?: number[];
  /** Draw point markers (sparse series such as evaluations). */
  points?: boolean;
  /** The legend swatch's border style (CSS), matching the dash: each kind of series its own. */
  swatch?: 'solid' | 'dashed' | 'dotted' | 'double';
  /** The smoothing applies (dense training series; never the learning rate or evaluations). */
  smooth?: boolean;
  buffer: SeriesBuffer;
}

export type StepRange = [number, number];

/** Where the step axis is marked: resumes (each in its run's colour) and epoch starts. */
export interface StepMarks {
  resumes: { step: number; color: string }[];
  /** The distinct steps-per-epoch of the runs shown: epoch k starts at k × each. */
  stepsPerEpoch: number[];
  /** The last step of any series shown: no epoch begins there or later (every chart alike). */
  lastStep: number;
}

/** Epoch boundaries are thinned to every 1, 2, 5, 10, … epochs so that they stay this far apart (CSS px). */
const epochMarkSpacing = 24;

export interface TimeChartOptions {
  /** Names the chart (heading, aria-label and data-chart attribute for tests and styling). */
  id: string;
  title: string;
  /** The y axis's title, with its unit. */
  yTitle: string;
  /** Values are fractions shown in percent (accuracy). */
  percent?: boolean;
  /** Resume and epoch markers. */
  marks?: () => StepMarks;
  height?: number;
  logScale: boolean;
  /** The EMA weight currently chosen (0 = raw). */
  smoothing: () => number;
  /** The user asked for a zoom window (null: reset); the owner applies it to every chart. */
  onZoomRequest: (range: StepRange | null) => void;
  /** Charts with the same key share the hover cursor. */
  syncKey: string;
  /**
   * The step range of the unzoomed view when several charts share one axis (the dashboard's
   * charts all span every series' steps, so a series logged only at evaluations lines up).
   */
  sharedRange?: () => StepRange | null;
}

interface CacheEntry {
  key: string;
  xy: XY;
}

/** One uPlot series: a source's line, or the faded raw line drawn under its smoothed one. */
interface Line {
  source: ChartSource;
  raw: boolean;
  cache: CacheEntry[];
}

/** The last value of a display array that is a number. */
function latestOf(values: ArrayLike<number>, length: number): number | null {
  for (let i = length - 1; i >= 0; i--) if (!Number.isNaN(values[i])) return values[i];
  return null;
}

/** Whether a series has exactly one point to draw (a line needs two: a lone point gets a dot). */
function lonePoint(ys: ArrayLike<number | null | undefined>): boolean {
  let n = 0;
  for (let i = 0; i < ys.length; i++) if (ys[i] != null && ++n > 1) return false;
  return n === 1;
}

/**
 * The value of a series at idx, or where downsampling left a gap there (another run's min/max
 * fell on this step), the series' nearest point within one pixel column: what the line shows.
 */
function valueNear(xs: ArrayLike<number>, ys: ArrayLike<number | null | undefined>, idx: number | null, stepsPerPixel: number): number | null {
  if (idx === null) return null;
  const here = ys[idx];
  if (here != null) return here;
  for (let d = 1; d < xs.length; d++) {
    const a = idx - d;
    const b = idx + d;
    const aOk = a >= 0 && xs[idx] - xs[a] <= stepsPerPixel;
    const bOk = b < xs.length && xs[b] - xs[idx] <= stepsPerPixel;
    if (!aOk && !bOk) return null;
    if (aOk && ys[a] != null) return ys[a]!;
    if (bOk && ys[b] != null) return ys[b]!;
  }
  return null;
}

export class TimeChart {
  readonly element: HTMLElement;
  private readonly holder: HTMLDivElement;
  private plot: uPlot | undefined;
  private sources: ChartSource[] = [];
  private lines: Line[] = [];
  /** Whether the plot was built with raw lines under smoothed ones. */
  private builtSmoothed = false;
  private zoom: StepRange | null = null;
  private window: StepRange = [0, 1];
  private width = 400;
  private stepsPerPixel = 0;

  constructor(private readonly o: TimeChartOptions) {
    this.element = document.createElement('section');
    this.element.className = 'chart';
    this.element.dataset.chart = o.id;
    const heading = document.createElement('h2');
    heading.textContent = o.title;
    heading.id = `chart-title-${o.id}`;
    this.holder = document.createElement('div');
    this.holder.className = 'chart-plot';
    this.holder.tabIndex = 0;
    this.holder.setAttribute('role', 'group');
    this.holder.setAttribute('aria-labelledby', heading.id);
    this.holder.setAttribute('aria-description', `${cursorKeysHelp}; + and − zoom, Escape resets the zoom`);
    this.holder.addEventListener('keydown', (e) => this.onKey(e));
    this.element.append(heading, this.holder);
    new ResizeObserver(() => {
      const w = Math.floor(this.holder.clientWidth);
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.plot?.setSize({ width: w, height: this.o.height ?? 220 });
        this.render();
      }
    }).observe(this.holder);
  }

  setSources(sources: ChartSource[]): void {
    this.sources = sources;
    this.rebuild();
  }

  setLogScale(log: boolean): void {
    if (log === this.o.logScale) return;
    this.o.logScale = log;
    this.rebuild();
  }

  setZoom(range: StepRange | null): void {
    this.zoom = range;
    this.render();
  }

  /** The steps of the unzoomed view: the shared range, else the steps of this chart's series. */
  fullRange(): StepRange | null {
    if (this.o.sharedRange) return this.o.sharedRange();
    let min = Infinity;
    let max = -Infinity;
    for (const s of this.sources) {
      if (s.buffer.length === 0) continue;
      min = Math.min(min, s.buffer.firstStep);
      max = Math.max(max, s.buffer.lastStep);
    }
    return min <= max ? [min, max] : null;
  }

  /** Recreates the plot: series, scales, smoothing on/off or theme changed. */
  rebuild(): void {
    this.plot?.destroy();
    const theme = chartTheme();
    const weight = this.o.smoothing();
    this.builtSmoothed = weight > 0;
    // Smoothed series get their raw line first, faded, so the smoothed one is drawn over it.
    this.lines = this.sources.flatMap((source) => [...(this.builtSmoothed && source.smooth ? [{ source, raw: true, cache: [] }] : []), { source, raw: false, cache: [] }]);
    const axis = {
      stroke: theme.foreground,
      font: theme.font,
      labelFont: theme.font,
      labelSize: 16,
      labelGap: 0,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
    };
    const percent = !!this.o.percent;
    const opts: uPlot.Options = {
      width: this.width,
      height: this.o.height ?? 220,
      scales: {
        x: { time: false, range: () => this.window },
        y: this.o.logScale ? { distr: 3, log: 10 } : {},
      },
      axes: [
        { ...axis, label: 'step', incrs: integerIncrements, values: (_u, splits) => this.shown('xTicks', integerTickLabels(splits)) },
        { ...axis, label: this.o.yTitle, size: 60, values: (_u, splits) => this.shown('yTicks', percent ? percentTickLabels(splits) : axisTickLabels(splits)) },
      ],
      legend: {
        markers: {
          width: (_u, si) => (si > 0 && this.lines[si - 1]?.source.swatch === 'double' ? 3 : 2),
          dash: (_u, si) => (si > 0 ? (this.lines[si - 1]?.source.swatch ?? 'solid') : 'solid'),
        },
      },
      series: [
        { label: 'step', value: (_u, v) => (v == null ? '—' : String(Math.round(v))) },
        ...this.lines.map((line, li): uPlot.Series => {
          const s = line.source;
          return {
            label: line.raw ? `${s.label} (raw)` : s.label,
            stroke: line.raw ? withAlpha(s.color, 0.3) : s.color,
            // Thin lines are also the cheap ones: a 1 px stroke rasterises several times faster.
            width: theme.lineWidth,
            dash: s.dash,
            spanGaps: true,
            points: { show: (u, si) => !line.raw && ((s.points ?? false) || lonePoint(u.data[si])), size: 5, fill: s.color, stroke: s.color },
            value: (u, v, si, idx) => {
              const shown = idx == null ? this.latest(li) : (v ?? valueNear(u.data[0], u.data[si] as (number | null)[], idx, this.stepsPerPixel));
              return percent ? formatPercent(shown) : formatShort(shown);
            },
          };
        }),
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        sync: { key: this.o.syncKey },
        bind: {
          dblclick: () => () => {
            this.o.onZoomRequest(null);
            return null;
          },
        },
      },
      hooks: {
        draw: [(u) => this.drawMarks(u, theme)],
        setSelect: [
          (u) => {
            // Cursor sync mirrors the drag on the other charts, which fire this hook too (with no
            // event of their own); only the dragged chart asks, so the owner can spread the
            // other charts' redraws over the next frames.
            if (u.cursor.event && u.select.width > 3) {
              const a = u.posToVal(u.select.left, 'x');
              const b = u.posToVal(u.select.left + u.select.width, 'x');
              this.o.onZoomRequest([Math.min(a, b), Math.max(a, b)]);
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
      },
    };
    this.plot = new uPlot(opts, [[], ...this.lines.map(() => [])] as uPlot.AlignedData, this.holder);
    // The raw lines are context for the eye, not read-outs: their legend rows go.
    const rows = this.plot.root.querySelectorAll('.u-legend .u-series');
    this.lines.forEach((line, i) => {
      if (line.raw) rows[i + 1]?.remove();
    });
    this.render();
  }

  /** Tick labels as drawn, also kept on the element for tests and tools reading the chart. */
  private shown(axis: 'xTicks' | 'yTicks', labels: string[]): string[] {
    this.element.dataset[axis] = labels.join('|');
    return labels;
  }

  /** The latest value of line li as drawn (smoothed or raw): the legend's value when not hovering. */
  private latest(li: number): number | null {
    const line = this.lines[li];
    if (!line) return null;
    const b = line.source.buffer;
    return latestOf(b.display(this.weightOf(line)), b.length);
  }

  private weightOf(line: Line): number {
    return !line.raw && line.source.smooth ? this.o.smoothing() : 0;
  }

  /** The markers in the visible window: resumes, and epoch starts thinned to stay apart. */
  private visibleMarks(theme: ChartTheme, cssWidth: number): ImageMark[] {
    const marks = this.o.marks?.();
    if (!marks) return [];
    const [xMin, xMax] = this.window;
    const out: ImageMark[] = [];
    const epochColor = withAlpha(theme.foreground, theme.highContrast ? 0.7 : 0.45);
    for (const spe of marks.stepsPerEpoch) {
      if (!(spe > 0)) continue;
      const count = (xMax - xMin) / spe;
      const room = Math.max(1, cssWidth / epochMarkSpacing);
      let stride = 1;
      for (const m of integerIncrements) if (count / (stride = m) <= room) break;
      const first = Math.max(1, Math.ceil(xMin / (spe * stride))) * stride;
      const labelled = (cssWidth * stride) / count >= 56;
      // Boundaries inside the data only: the last step of the last epoch starts nothing.
      const end = Math.min(xMax, marks.lastStep - 1);
      for (let k = first; k * spe <= end; k += stride) out.push({ x: k * spe, color: epochColor, dash: [2, 3], label: labelled ? `epoch ${k + 1}` : undefined });
    }
    for (const r of marks.resumes) if (r.step >= xMin && r.step <= xMax) out.push({ x: r.step, color: r.color, dash: [6, 2, 2, 2], label: 'resumed' });
    return out;
  }

  private drawMarks(u: uPlot, theme: ChartTheme): void {
    const marks = this.visibleMarks(theme, u.bbox.width / devicePixelRatio);
    // What is marked where, for tests and tools reading the chart.
    this.element.dataset.marks = marks.map((m) => `${m.label === 'resumed' ? 'resume' : 'epoch'}@${m.x}`).join(' ');
    if (marks.length === 0) return;
    const ctx = u.ctx;
    const dpr = devicePixelRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.font = theme.font.replace(/^(\d+)px/, (_m, px) => `${Number(px) * dpr}px`);
    ctx.textBaseline = 'top';
    for (const m of marks) {
      const x = Math.round(u.valToPos(m.x, 'x', true)) + 0.5;
      ctx.strokeStyle = m.color;
      ctx.lineWidth = (m.label === 'resumed' ? 2 : 1) * dpr;
      ctx.setLineDash((m.dash ?? []).map((d) => d * dpr));
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      if (m.label) {
        ctx.fillStyle = m.color;
        // Resumes label a second row, so they never cover an epoch's label.
        ctx.fillText(m.label, x + 3 * dpr, u.bbox.top + (m.label === 'resumed' ? 15 : 2) * dpr);
      }
    }
    ctx.restore();
  }

  /** The chart as drawn now (window, scales, lines, legend with latest values, marks), for export. */
  image(): ChartImage | undefined {
    const plot = this.plot;
    if (!plot) return undefined;
    const theme = chartTheme();
    const percent = !!this.o.percent;
    const yMin = plot.scales.y.min ?? 0;
    const yMax = plot.scales.y.max ?? 1;
    return {
      title: this.o.title,
      xTitle: 'step',
      yTitle: this.o.yTitle,
      x: [...this.window],
      y: [yMin, yMax],
      yLog: this.o.logScale,
      integerX: true,
      xLabels: integerTickLabels,
      yLabels: percent ? percentTickLabels : axisTickLabels,
      lines: this.lines.map((line, i) => ({
        xs: plot.data[0],
        ys: plot.data[i + 1] as (number | null)[],
        color: line.raw ? withAlpha(line.source.color, 0.3) : line.source.color,
        width: Math.max(1.5, theme.lineWidth),
        dash: line.source.dash,
        points: !line.raw && line.source.points,
      })),
      legend: this.lines.flatMap((line, i) => (line.raw ? [] : [{ label: line.source.label, color: line.source.color, dash: line.source.dash, value: (percent ? formatPercent : formatShort)(this.latest(i)) }])),
      marks: this.visibleMarks(theme, 480),
    };
  }

  /** Recomputes the displayed points (data appended, zoom, smoothing or width changed). */
  render(): void {
    const plot = this.plot;
    if (!plot) return;
    if (this.o.smoothing() > 0 !== this.builtSmoothed && this.sources.some((s) => s.smooth)) {
      this.rebuild();
      return;
    }
    const full = this.fullRange();
    if (!full) {
      plot.setData([[], ...this.lines.map(() => [])] as uPlot.AlignedData);
      return;
    }
    let [xMin, xMax] = this.zoom ?? full;
    if (!(xMax > xMin)) [xMin, xMax] = [xMin - 1, xMax + 1];
    this.window = [xMin, xMax];
    // The visible step window, for tests and tools reading the chart.
    this.element.dataset.xMin = String(xMin);
    this.element.dataset.xMax = String(xMax);
    const columns = Math.max(16, Math.round(plot.bbox.width / devicePixelRatio) || this.width);
    this.stepsPerPixel = (xMax - xMin) / columns;
    const log = this.o.logScale;
    const series = this.lines.map((line) => {
      const weight = this.weightOf(line);
      const key = `${xMin}|${xMax}|${columns}|${line.source.buffer.version}|${weight}|${log}`;
      // Two entries per line: the current window and the one before (zoom in, then reset).
      const hit = line.cache.find((e) => e.key === key);
      if (hit) return hit.xy;
      const xy = downsample(line.source, xMin, xMax, columns, weight, log);
      line.cache = [{ key, xy }, ...line.cache].slice(0, 2);
      return xy;
    });
    plot.setData(alignSeries(series) as uPlot.AlignedData);
    // Not hovering: the legend shows each line's latest value.
    if (plot.cursor.left == null || plot.cursor.left < 0) plot.setLegend({ idx: null as unknown as number });
  }

  /**
   * Runs the zoom path once on a window nobody looks at, so that the first real zoom does not pay
   * for compiling it (measured: 21 ms cold against 7–14 ms warm on 5 × 100k points). Nothing is
   * drawn or cached.
   */
  warmUp(): void {
    const full = this.fullRange();
    if (!full || !this.plot) return;
    const [a, b] = full;
    // A few windows of different widths: enough calls for the JIT's optimising tier.
    for (const [from, to] of [[0.25, 0.75], [0.1, 0.3], [0.4, 0.9]]) {
      for (const line of this.lines) downsample(line.source, a + from * (b - a), a + to * (b - a), 400, this.weightOf(line), this.o.logScale);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const plot = this.plot;
    if (!plot) return;
    if (moveCursorByKey(plot, e)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    const [xMin, xMax] = this.window;
    const full = this.fullRange();
    switch (e.key) {
      case '+':
      case '=': {
        const c = plot.posToVal(cursorLeft(plot), 'x');
        const half = (xMax - xMin) / 4;
        this.o.onZoomRequest([c - half, c + half]);
        break;
      }
      case '-': {
        if (!full) break;
        const c = (xMin + xMax) / 2;
        const half = xMax - xMin;
        const next: StepRange = [Math.max(full[0], c - half), Math.min(full[1], c + half)];
        this.o.onZoomRequest(next[0] <= full[0] && next[1] >= full[1] ? null : next);
        break;
      }
      case 'Escape':
        this.o.onZoomRequest(null);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}

/** A source's (smoothed) points in [xMin, xMax], min and max per pixel column. */
function downsample(s: ChartSource, xMin: number, xMax: number, columns: number, weight: number, log: boolean) {
  const index = s.buffer.extremes(weight);
  const values = s.buffer.display(weight);
  return minMaxColumns(s.buffer.steps, values, s.buffer.length, xMin, xMax, columns, log, (from, to) => index.extremes(values, from, to));
}
