// "Export PNG" of the Compare panel: its charts drawn again at 2 device pixels per CSS pixel
// (whatever the screen's), with what a figure needs to stand alone: the runs' legend (swatch and
// short label), each chart's title, axis titles with units and ticks, and the SRR scatter.
import type { AlignedSeries, CompareRunsResult } from '../../protocol/runData.js';
import { axisTickLabels, percentTickLabels } from '../shared/axisFormat.js';
import { exportCanvas, exportScale } from '../shared/chartImage.js';
import type { ChartTheme } from '../shared/theme.js';
import { niceTicks } from '../shared/ticks.js';
import type { CurveAxes } from './curveAxes.js';
import { drawScatter } from './scatter.js';

const chartSize = { width: 480, height: 240, pad: { left: 64, right: 16, top: 28, bottom: 40 } };

export interface ExportChart {
  key: string;
  title: string;
  series: AlignedSeries;
  axes: CurveAxes;
}

/** One line chart on `ctx` (CSS pixels) at (x, y). */
function drawLineChart(ctx: CanvasRenderingContext2D, theme: ChartTheme, at: { x: number; y: number }, chart: ExportChart, colors: string[]): void {
  const { width, height, pad } = chartSize;
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const left = at.x + pad.left;
  const top = at.y + pad.top;
  const steps = chart.series.step;
  const values = chart.series.values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const [s0, s1] = steps.length > 1 ? [steps[0], steps[steps.length - 1]] : [(steps[0] ?? 0) - 1, (steps[0] ?? 0) + 1];
  let [v0, v1] = values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  if (!(v1 > v0)) [v0, v1] = [v0 - 0.5, v1 + 0.5];
  // A little room above and below, so no line runs along the frame.
  [v0, v1] = [v0 - (v1 - v0) * 0.05, v1 + (v1 - v0) * 0.05];
  const xs = (s: number) => left + ((s - s0) / (s1 - s0)) * plotWidth;
  const ys = (v: number) => top + (1 - (v - v0) / (v1 - v0)) * plotHeight;
  ctx.fillStyle = theme.foreground;
  ctx.font = `bold ${theme.font}`;
  ctx.textAlign = 'left';
  ctx.fillText(chart.title, at.x + 8, at.y + 16);
  ctx.font = theme.font;
  const xTicks = niceTicks(s0, s1, 6, true);
  const yTicks = niceTicks(v0, v1, 5);
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, plotWidth, plotHeight);
  ctx.beginPath();
  for (const s of xTicks) {
    ctx.moveTo(xs(s), top);
    ctx.lineTo(xs(s), top + plotHeight + 4);
  }
  for (const v of yTicks) {
    ctx.moveTo(left - 4, ys(v));
    ctx.lineTo(left + plotWidth, ys(v));
  }
  ctx.stroke();
  ctx.textAlign = 'center';
  axisTickLabels(xTicks).forEach((label, i) => ctx.fillText(label, xs(xTicks[i]), top + plotHeight + 15));
  ctx.fillText(chart.axes.x, left + plotWidth / 2, at.y + height - 6);
  ctx.textAlign = 'right';
  (chart.axes.percent ? percentTickLabels(yTicks) : axisTickLabels(yTicks)).forEach((label, i) => ctx.fillText(label, left - 6, ys(yTicks[i]) + 4));
  ctx.save();
  ctx.translate(at.x + 14, top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText(chart.axes.y, 0, 0);
  ctx.restore();
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, plotWidth, plotHeight);
  ctx.clip();
  ctx.lineWidth = 1.5;
  chart.series.values.forEach((row, run) => {
    ctx.strokeStyle = colors[run];
    ctx.fillStyle = colors[run];
    ctx.beginPath();
    let drawing = false;
    let count = 0;
    row.forEach((v, k) => {
      if (v === null) return;
      if (drawing) ctx.lineTo(xs(steps[k]), ys(v));
      else ctx.moveTo(xs(steps[k]), ys(v));
      drawing = true;
      count++;
    });
    ctx.stroke();
    // A lone point (one evaluation) is drawn as a dot.
    if (count === 1) {
      const k = row.findIndex((v) => v !== null);
      ctx.beginPath();
      ctx.arc(xs(steps[k]), ys(row[k]!), 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
  ctx.restore();
}

/** The legend rows: a swatch and a label per run, wrapped at `width`. */
function legendLayout(ctx: CanvasRenderingContext2D, labels: string[], width: number): { x: number; y: number }[] {
  let x = 8;
  let y = 0;
  return labels.map((label) => {
    const w = 24 + ctx.measureText(label).width;
    if (x + w > width && x > 8) {
      x = 8;
      y += 18;
    }
    const at = { x, y };
    x += w;
    return at;
  });
}

/** The whole export as a PNG data URL. */
export function composeComparePng(r: CompareRunsResult, charts: ExportChart[], labels: string[], colors: string[], theme: ChartTheme): string {
  const columns = Math.min(2, Math.max(1, charts.length));
  const width = columns * chartSize.width;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = theme.font;
  const legend = legendLayout(measure, labels, width);
  const legendHeight = (legend.at(-1)?.y ?? 0) + 26;
  const rows = Math.ceil(charts.length / columns);
  const scatterCanvas = document.createElement('canvas');
  drawScatter(scatterCanvas, r.final, labels, colors, null, exportScale);
  const scatterHeight = scatterCanvas.height / exportScale + 24;
  const height = legendHeight + rows * chartSize.height + scatterHeight;
  const { canvas: out, ctx } = exportCanvas(width, height, theme);
  ctx.font = theme.font;
  ctx.textBaseline = 'alphabetic';
  legend.forEach((at, i) => {
    ctx.fillStyle = colors[i];
    ctx.fillRect(at.x, at.y + 6, 10, 10);
    ctx.fillStyle = theme.foreground;
    ctx.textAlign = 'left';
    ctx.fillText(labels[i], at.x + 14, at.y + 15);
  });
  charts.forEach((c, i) => drawLineChart(ctx, theme, { x: (i % columns) * chartSize.width, y: legendHeight + Math.floor(i / columns) * chartSize.height }, c, colors));
  const scatterTop = legendHeight + rows * chartSize.height;
  ctx.fillStyle = theme.foreground;
  ctx.font = `bold ${theme.font}`;
  ctx.textAlign = 'left';
  ctx.fillText('SRR measure vs generalization gap', 8, scatterTop + 16);
  ctx.drawImage(scatterCanvas, 0, scatterTop + 24, scatterCanvas.width / exportScale, scatterCanvas.height / exportScale);
  return out.toDataURL('image/png');
}
