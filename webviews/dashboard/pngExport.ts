// "Export PNG": the dashboard's charts composed into one image (titles, plots, run colours) on
// the theme's background, as a data URL the host saves.
import type { ChartTheme } from '../shared/theme.js';
import type { TimeChart } from './timeChart.js';

export function composeChartsPng(charts: TimeChart[], theme: ChartTheme, runs: { name: string; color: string }[]): string {
  const canvases = charts.map((c) => ({ title: c.title, canvas: c.canvas })).filter((c): c is { title: string; canvas: HTMLCanvasElement } => !!c.canvas);
  const columns = 2;
  const titleHeight = 24;
  const legendHeight = 24;
  const cellW = Math.max(1, ...canvases.map((c) => c.canvas.width));
  const cellH = Math.max(1, ...canvases.map((c) => c.canvas.height)) + titleHeight;
  const rows = Math.ceil(canvases.length / columns);
  const out = document.createElement('canvas');
  out.width = cellW * Math.min(columns, canvases.length || 1);
  out.height = legendHeight + rows * cellH;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.font = theme.font.replace(/^\d+px/, '14px');
  ctx.textBaseline = 'middle';
  let x = 8;
  for (const run of runs) {
    ctx.fillStyle = run.color;
    ctx.fillRect(x, legendHeight / 2 - 5, 10, 10);
    ctx.fillStyle = theme.foreground;
    ctx.fillText(run.name, x + 14, legendHeight / 2);
    x += 24 + ctx.measureText(run.name).width;
  }
  canvases.forEach((c, i) => {
    const cx = (i % columns) * cellW;
    const cy = legendHeight + Math.floor(i / columns) * cellH;
    ctx.fillStyle = theme.foreground;
    ctx.fillText(c.title, cx + 8, cy + titleHeight / 2);
    ctx.drawImage(c.canvas, cx, cy + titleHeight);
  });
  return out.toDataURL('image/png');
}
