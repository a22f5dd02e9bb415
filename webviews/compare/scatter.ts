// The SRR-vs-generalization-gap scatter of "Compare runs" (the SRR study's analysis): one point per
// run in its colour, axes from the data's range, Kendall's τ in the caption, a ring around the
// point the read-out describes. The plot's scale is published as data-* attributes so tests can
// find a run's point.
import type { CompareRunsResult, FinalMetrics } from '../../protocol/runData.js';
import { formatShort } from '../shared/numberFormat.js';
import { chartTheme, runColor } from '../shared/theme.js';

const width = 420;
const height = 280;
const pad = { left: 64, right: 16, top: 12, bottom: 40 };

/** The axis range of some values, with a tenth of margin on each side (a single value gets one too). */
export function span(values: number[]): [number, number] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const margin = max > min ? (max - min) * 0.1 : Math.abs(min) * 0.1 || 1;
  return [min - margin, max + margin];
}

/** A run's point: its values and where it is drawn (CSS pixels in the canvas). */
export interface ScatterPoint {
  run: number;
  srr: number;
  gap: number;
  left: number;
  top: number;
}

/** Draws the scatter with a ring around run `selected`; returns the points drawn, by SRR. */
export function drawScatter(canvas: HTMLCanvasElement, final: FinalMetrics[], names: string[], selected: number | null): ScatterPoint[] {
  const dpr = devicePixelRatio;
  canvas.width = width * dpr;
  canvas.height = height * dpr;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const theme = chartTheme();
  ctx.clearRect(0, 0, width, height);
  const points = final.map((f, i) => ({ x: f.srr, y: f.generalizationGap, i })).filter((p): p is { x: number; y: number; i: number } => p.x !== null && p.y !== null);
  points.sort((a, b) => a.x - b.x);
  ctx.strokeStyle = theme.grid;
  ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
  ctx.fillStyle = theme.foreground;
  ctx.font = theme.font;
  ctx.textAlign = 'center';
  ctx.fillText('SRR measure (mean over layers, last step)', pad.left + (width - pad.left - pad.right) / 2, height - 8);
  ctx.save();
  ctx.translate(14, pad.top + (height - pad.top - pad.bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('generalization gap', 0, 0);
  ctx.restore();
  if (points.length === 0) {
    ctx.fillText('no run has both an SRR measure and a validation loss', width / 2, height / 2);
    return [];
  }
  const [x0, x1] = span(points.map((p) => p.x));
  const [y0, y1] = span(points.map((p) => p.y));
  Object.assign(canvas.dataset, { xMin: String(x0), xMax: String(x1), yMin: String(y0), yMax: String(y1), plotLeft: String(pad.left), plotTop: String(pad.top), plotWidth: String(width - pad.left - pad.right), plotHeight: String(height - pad.top - pad.bottom) });
  const px = (x: number) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const py = (y: number) => pad.top + (1 - (y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  ctx.textAlign = 'left';
  ctx.fillText(formatShort(x0), pad.left, height - pad.bottom + 14);
  ctx.textAlign = 'right';
  ctx.fillText(formatShort(x1), width - pad.right, height - pad.bottom + 14);
  ctx.fillText(formatShort(y1), pad.left - 4, pad.top + 8);
  ctx.fillText(formatShort(y0), pad.left - 4, height - pad.bottom);
  for (const p of points) {
    ctx.fillStyle = runColor(p.i);
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 6, 0, 2 * Math.PI);
    ctx.fill();
    // Labels go on the side of the point with room for them.
    const right = px(p.x) < pad.left + (width - pad.left - pad.right) / 2;
    ctx.textAlign = right ? 'left' : 'right';
    ctx.fillStyle = theme.foreground;
    ctx.fillText(names[p.i], px(p.x) + (right ? 9 : -9), py(p.y) + (py(p.y) < pad.top + 16 ? 14 : -8));
    if (p.i === selected) {
      ctx.strokeStyle = theme.foreground;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px(p.x), py(p.y), 10, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
  return points.map((p) => ({ run: p.i, srr: p.x, gap: p.y, left: px(p.x), top: py(p.y) }));
}

/** "Kendall's τ = 0.333 over 4 runs", or why it is undefined. */
export function tauCaption({ tau, runs, stillTraining, refused }: CompareRunsResult['kendallTau']): string {
  if (refused) return `Kendall's τ: not computed; ${refused}`;
  const left = stillTraining > 0 ? `; ${stillTraining} run${stillTraining === 1 ? '' : 's'} still training, left out` : '';
  return tau === null
    ? `Kendall's τ: undefined (${runs} finished run${runs === 1 ? '' : 's'} with both values; needs 2 or more without ties${left})`
    : `Kendall's τ = ${tau.toFixed(3)} over ${runs} runs${left}`;
}
