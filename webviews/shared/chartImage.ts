// Charts drawn for export ("Export PNG"): each chart re-drawn from its data as vectors at twice the
// CSS size (crisp in a paper or a slide, whatever the screen's pixel ratio), with its title, a
// legend of swatches (colour and dash, as the lines are drawn) and the latest values, ticks in one
// format per axis and the axes' titles with their units. The on-screen charts (uPlot) keep their
// legend in HTML, which a canvas copy would lose.
import type { ChartTheme } from './theme.js';
import { niceTicks } from './ticks.js';

export interface ImageLine {
  xs: ArrayLike<number>;
  ys: ArrayLike<number | null | undefined>;
  color: string;
  /** CSS px. */
  width: number;
  dash?: number[];
  /** Draw a dot at each point (sparse series; a lone point is always drawn). */
  points?: boolean;
}

export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
  /** The latest value, formatted. */
  value?: string;
}

/** A vertical marker at x (a resume, an epoch boundary). */
export interface ImageMark {
  x: number;
  color: string;
  dash?: number[];
  label?: string;
}

export interface ChartImage {
  title: string;
  xTitle: string;
  yTitle: string;
  x: [number, number];
  y: [number, number];
  yLog?: boolean;
  /** Ticks on whole numbers only (steps, layers). */
  integerX: boolean;
  xLabels: (ticks: number[]) => string[];
  yLabels: (ticks: number[]) => string[];
  lines: ImageLine[];
  legend: LegendEntry[];
  marks?: ImageMark[];
}

/** Exported images are drawn at this many device pixels per CSS pixel. */
export const exportScale = 2;

/** A canvas of `width` × `height` CSS pixels at exportScale, filled with the theme's background. */
export function exportCanvas(width: number, height: number, theme: ChartTheme): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width * exportScale;
  canvas.height = height * exportScale;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(exportScale, exportScale);
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}
/** One chart's cell in an exported image, CSS px. */
export const exportCell = { width: 520, height: 340 };

const pad = { left: 70, right: 16, bottom: 44 };

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(6)));
    }
  }
  // Many decades: the powers of ten alone.
  return ticks.length > 8 ? ticks.filter((v) => Number.isInteger(Math.log10(v)) || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9) : ticks;
}

/** Legend rows (label swatches wrapped to the width), for the layout. */
function legendRows(ctx: CanvasRenderingContext2D, legend: LegendEntry[], width: number): { entry: LegendEntry; x: number; row: number }[] {
  const placed: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const entry of legend) {
    const text = entry.value ? `${entry.label}: ${entry.value}` : entry.label;
    const w = 26 + ctx.measureText(text).width + 14;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    placed.push({ entry, x, row });
    x += w;
  }
  return placed;
}

/** Draws one chart in `box` (CSS px of the context's coordinate system). */
export function drawChartImage(ctx: CanvasRenderingContext2D, c: ChartImage, box: { x: number; y: number; width: number; height: number }, theme: ChartTheme): void {
  const family = theme.font.replace(/^\d+px\s*/, '');
  ctx.save();
  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'middle';
  ctx.font = `bold 13px ${family}`;
  ctx.fillText(c.title, box.x + 8, box.y + 10);
  ctx.font = `11px ${family}`;
  const rows = legendRows(ctx, c.legend, box.width - 16);
  for (const { entry, x, row } of rows) {
    const lx = box.x + 8 + x;
    const ly = box.y + 28 + row * 16;
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(entry.dash ?? []);
    ctx.beginPath();
    ctx.moveTo(lx, ly);
    ctx.lineTo(lx + 20, ly);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = theme.foreground;
    ctx.fillText(entry.value ? `${entry.label}: ${entry.value}` : entry.label, lx + 26, ly);
  }
  const legendHeight = rows.length ? (rows[rows.length - 1].row + 1) * 16 + 8 : 0;
  const plot = { x: box.x + pad.left, y: box.y + 22 + legendHeight, width: box.width - pad.left - pad.right, height: 0 };
  plot.height = box.y + box.height - pad.bottom - plot.y;
  const [x0, x1] = c.x[1] > c.x[0] ? c.x : [c.x[0] - 1, c.x[0] + 1];
  const log = !!c.yLog && c.y[0] > 0;
  const [y0, y1] = c.y[1] > c.y[0] ? c.y : [c.y[0] - 1, c.y[0] + 1];
  const fy = (v: number) => (log ? (Math.log(v) - Math.log(y0)) / (Math.log(y1) - Math.log(y0)) : (v - y0) / (y1 - y0));
  const px = (v: number) => plot.x + ((v - x0) / (x1 - x0)) * plot.width;
  const py = (v: number) => plot.y + plot.height - fy(v) * plot.height;

  // Grid, ticks and their labels.
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(plot.width / 80)), c.integerX).filter((v) => v >= x0 && v <= x1);
  const yTicks = (log ? logTicks(y0, y1) : niceTicks(y0, y1, Math.max(2, Math.floor(plot.height / 40)))).filter((v) => v >= y0 - 1e-12 && v <= y1 + 1e-12);
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const v of xTicks) {
    ctx.moveTo(px(v), plot.y);
    ctx.lineTo(px(v), plot.y + plot.height + 4);
  }
  for (const v of yTicks) {
    ctx.moveTo(plot.x - 4, py(v));
    ctx.lineTo(plot.x + plot.width, py(v));
  }
  ctx.stroke();
  ctx.fillStyle = theme.foreground;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  c.xLabels(xTicks).forEach((label, i) => ctx.fillText(label, px(xTicks[i]), plot.y + plot.height + 6));
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  c.yLabels(yTicks).forEach((label, i) => ctx.fillText(label, plot.x - 6, py(yTicks[i])));
  // Axis titles.
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(c.xTitle, plot.x + plot.width / 2, box.y + box.height - 4);
  ctx.save();
  ctx.translate(box.x + 12, plot.y + plot.height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(c.yTitle, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(plot.x, plot.y, plot.width, plot.height);
  ctx.clip();
  for (const m of c.marks ?? []) {
    ctx.strokeStyle = m.color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(m.dash ?? []);
    ctx.beginPath();
    ctx.moveTo(px(m.x), plot.y);
    ctx.lineTo(px(m.x), plot.y + plot.height);
    ctx.stroke();
    if (m.label) {
      ctx.fillStyle = m.color;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(m.label, px(m.x) + 3, plot.y + 2);
    }
  }
  ctx.setLineDash([]);
  for (const line of c.lines) {
    ctx.strokeStyle = line.color;
    ctx.fillStyle = line.color;
    ctx.lineWidth = line.width;
    ctx.setLineDash(line.dash ?? []);
    ctx.beginPath();
    let open = false;
    let drawn = 0;
    for (let i = 0; i < line.xs.length; i++) {
      const v = line.ys[i];
      if (v == null || !Number.isFinite(v) || (log && v <= 0)) continue;
      const x = px(line.xs[i]);
      const y = py(v);
      if (open) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      open = true;
      drawn++;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (line.points || drawn === 1) {
      const r = Math.max(2.5, line.width + 1);
      for (let i = 0; i < line.xs.length; i++) {
        const v = line.ys[i];
        if (v == null || !Number.isFinite(v) || (log && v <= 0)) continue;
        ctx.beginPath();
        ctx.arc(px(line.xs[i]), py(v), r, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  ctx.restore();
  ctx.restore();
}

/**
 * Charts laid out in a grid of `columns`, each in an exportCell, under an optional heading, drawn
 * at exportScale on the theme's background: a PNG data URL.
 */
export function chartsPng(charts: ChartImage[], theme: ChartTheme, o: { columns: number; heading?: string; extra?: { height: number; draw: (ctx: CanvasRenderingContext2D, y: number, width: number) => void } }): string {
  const columns = Math.max(1, Math.min(o.columns, charts.length));
  const headingHeight = o.heading ? 28 : 0;
  const rows = Math.ceil(charts.length / columns);
  const width = columns * exportCell.width;
  const height = headingHeight + rows * exportCell.height + (o.extra?.height ?? 0);
  const { canvas, ctx } = exportCanvas(width, height, theme);
  if (o.heading) {
    ctx.fillStyle = theme.foreground;
    ctx.font = `bold 15px ${theme.font.replace(/^\d+px\s*/, '')}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(o.heading, 8, headingHeight / 2);
  }
  charts.forEach((chart, i) => {
    const box = { x: (i % columns) * exportCell.width, y: headingHeight + Math.floor(i / columns) * exportCell.height, width: exportCell.width, height: exportCell.height };
    drawChartImage(ctx, chart, box, theme);
  });
  o.extra?.draw(ctx, headingHeight + rows * exportCell.height, width);
  return canvas.toDataURL('image/png');
}
