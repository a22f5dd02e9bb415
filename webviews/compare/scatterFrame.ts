// What the Compare panel's scatters share: a canvas sized for the screen, the frame, the axis
// titles, the scale from the data's range (published as data-* attributes so tests can find a
// point), ticks at nice values on both axes (one number format per axis), and the ring around the
// point the read-out describes.
import { axisTickLabels } from '../shared/axisFormat.js';
import { chartTheme, type ChartTheme } from '../shared/theme.js';
import { niceTicks } from '../shared/ticks.js';

export interface ScatterSize {
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
}

export interface ScatterFrame {
  ctx: CanvasRenderingContext2D;
  theme: ChartTheme;
  plotWidth: number;
  plotHeight: number;
}

/** The axis range of some values, with a tenth of margin on each side (a single value gets one too). */
export function span(values: number[]): [number, number] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const margin = max > min ? (max - min) * 0.1 : Math.abs(min) * 0.1 || 1;
  return [min - margin, max + margin];
}

/** Sizes `canvas` for the screen (or `scale` device pixels per CSS pixel: 2 for an export) and draws the empty frame with its axis titles. */
export function drawFrame(canvas: HTMLCanvasElement, { width, height, pad }: ScatterSize, xTitle: string, yTitle: string, scale = devicePixelRatio): ScatterFrame {
  const dpr = scale;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const theme = chartTheme();
  ctx.clearRect(0, 0, width, height);
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  ctx.strokeStyle = theme.grid;
  ctx.strokeRect(pad.left, pad.top, plotWidth, plotHeight);
  ctx.fillStyle = theme.foreground;
  ctx.font = theme.font;
  ctx.textAlign = 'center';
  ctx.fillText(xTitle, pad.left + plotWidth / 2, height - 7);
  ctx.save();
  ctx.translate(14, pad.top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(yTitle, 0, 0);
  ctx.restore();
  return { ctx, theme, plotWidth, plotHeight };
}

/** The scale of the points' x and y values: draws the ticks and writes the data-* attributes; returns the mapping to canvas pixels. */
export function drawScale(canvas: HTMLCanvasElement, { ctx, theme, plotWidth, plotHeight }: ScatterFrame, { height, pad }: ScatterSize, xs: number[], ys: number[]): { px: (x: number) => number; py: (y: number) => number } {
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  Object.assign(canvas.dataset, { xMin: String(x0), xMax: String(x1), yMin: String(y0), yMax: String(y1), plotLeft: String(pad.left), plotTop: String(pad.top), plotWidth: String(plotWidth), plotHeight: String(plotHeight) });
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * plotWidth;
  const py = (y: number) => pad.top + (1 - (y - y0) / (y1 - y0)) * plotHeight;
  const xTicks = niceTicks(x0, x1, Math.max(2, Math.floor(plotWidth / 50)));
  const yTicks = niceTicks(y0, y1, Math.max(2, Math.floor(plotHeight / 40)));
  canvas.dataset.xTicks = JSON.stringify(xTicks);
  canvas.dataset.yTicks = JSON.stringify(yTicks);
  const bottom = height - pad.bottom;
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const x of xTicks) {
    ctx.moveTo(px(x), pad.top);
    ctx.lineTo(px(x), bottom + 4);
  }
  for (const y of yTicks) {
    ctx.moveTo(pad.left - 4, py(y));
    ctx.lineTo(pad.left + plotWidth, py(y));
  }
  ctx.stroke();
  ctx.fillStyle = theme.foreground;
  const xLabels = axisTickLabels(xTicks);
  const yLabels = axisTickLabels(yTicks);
  canvas.dataset.xTickLabels = JSON.stringify(xLabels);
  canvas.dataset.yTickLabels = JSON.stringify(yLabels);
  ctx.textAlign = 'center';
  xLabels.forEach((label, i) => ctx.fillText(label, px(xTicks[i]), bottom + 15));
  ctx.textAlign = 'right';
  yLabels.forEach((label, i) => ctx.fillText(label, pad.left - 6, py(yTicks[i]) + 4));
  return { px, py };
}

/** The ring around the point the read-out describes. */
export function drawRing({ ctx, theme }: ScatterFrame, x: number, y: number, radius: number): void {
  ctx.strokeStyle = theme.foreground;
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, 2 * Math.PI);
  ctx.stroke();
}
