// One scatter of the study per complexity measure: x the measure, y the generalization gap, one
// point per run coloured by its model type. As the SRR scatter (scatter.ts): axes from the data's
// range, a ring around the point the read-out describes, the plot's scale published as data-*
// attributes so tests can find a run's point.
import { formatShort } from '../shared/numberFormat.js';
import { chartTheme } from '../shared/theme.js';
import { span } from './scatter.js';

const width = 360;
const height = 240;
const pad = { left: 60, right: 14, top: 12, bottom: 38 };

export interface MeasurePoint {
  /** Index into the study's points. */
  run: number;
  x: number;
  gap: number;
  color: string;
}

/** A point as drawn: its values and where it is (CSS pixels in the canvas). */
export interface DrawnPoint extends MeasurePoint {
  left: number;
  top: number;
}

/** Draws the points, with a ring around run `selected`; returns them in order of x. */
export function drawMeasureScatter(canvas: HTMLCanvasElement, points: MeasurePoint[], xLabel: string, selected: number | null): DrawnPoint[] {
  const dpr = devicePixelRatio;
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
  ctx.fillText(xLabel, pad.left + plotWidth / 2, height - 6);
  ctx.save();
  ctx.translate(14, pad.top + plotHeight / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('generalization gap', 0, 0);
  ctx.restore();
  if (points.length === 0) {
    ctx.fillText('no run has this measure', pad.left + plotWidth / 2, pad.top + plotHeight / 2);
    return [];
  }
  const sorted = [...points].sort((a, b) => a.x - b.x || a.run - b.run);
  const [x0, x1] = span(sorted.map((p) => p.x));
  const [y0, y1] = span(sorted.map((p) => p.gap));
  Object.assign(canvas.dataset, { xMin: String(x0), xMax: String(x1), yMin: String(y0), yMax: String(y1), plotLeft: String(pad.left), plotTop: String(pad.top), plotWidth: String(plotWidth), plotHeight: String(plotHeight) });
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * plotWidth;
  const py = (y: number) => pad.top + (1 - (y - y0) / (y1 - y0)) * plotHeight;
  ctx.textAlign = 'left';
  ctx.fillText(formatShort(x0), pad.left, height - pad.bottom + 14);
  ctx.textAlign = 'right';
  ctx.fillText(formatShort(x1), width - pad.right, height - pad.bottom + 14);
  ctx.fillText(formatShort(y1), pad.left - 4, pad.top + 8);
  ctx.fillText(formatShort(y0), pad.left - 4, height - pad.bottom);
  const drawn = sorted.map((p) => ({ ...p, left: px(p.x), top: py(p.gap) }));
  for (const p of drawn) {
    ctx.fillStyle = p.color;
    ctx.beginPath();
    ctx.arc(p.left, p.top, 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  const picked = drawn.find((p) => p.run === selected);
  if (picked) {
    ctx.strokeStyle = theme.foreground;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(picked.left, picked.top, 9, 0, 2 * Math.PI);
    ctx.stroke();
  }
  return drawn;
}
