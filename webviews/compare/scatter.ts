// The SRR-vs-generalization-gap scatter of "Compare runs" (the SRR study's analysis): one point per
// run in its colour, axes from the data's range, Kendall's τ in the caption, a ring around the
// point the read-out describes. The plot's scale is published as data-* attributes so tests can
// find a run's point.
import type { CompareRunsResult, FinalMetrics } from '../../protocol/runData.js';
import { runColor } from '../shared/theme.js';
import { drawFrame, drawRing, drawScale, type ScatterSize } from './scatterFrame.js';

const size: ScatterSize = { width: 420, height: 280, pad: { left: 64, right: 16, top: 12, bottom: 40 } };

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
  const frame = drawFrame(canvas, size, 'SRR measure (mean over layers, last step)', 'generalization gap');
  const { ctx, theme, plotWidth } = frame;
  const points = final.map((f, i) => ({ x: f.srr, y: f.generalizationGap, i })).filter((p): p is { x: number; y: number; i: number } => p.x !== null && p.y !== null);
  points.sort((a, b) => a.x - b.x);
  if (points.length === 0) {
    ctx.fillText('no run has both an SRR measure and a generalization gap', size.width / 2, size.height / 2);
    return [];
  }
  const { px, py } = drawScale(canvas, frame, size, points.map((p) => p.x), points.map((p) => p.y));
  const { pad } = size;
  for (const p of points) {
    ctx.fillStyle = runColor(p.i);
    ctx.beginPath();
    ctx.arc(px(p.x), py(p.y), 6, 0, 2 * Math.PI);
    ctx.fill();
    // Labels go on the side of the point with room for them.
    const right = px(p.x) < pad.left + plotWidth / 2;
    ctx.textAlign = right ? 'left' : 'right';
    ctx.fillStyle = theme.foreground;
    ctx.fillText(names[p.i], px(p.x) + (right ? 9 : -9), py(p.y) + (py(p.y) < pad.top + 16 ? 14 : -8));
    if (p.i === selected) drawRing(frame, px(p.x), py(p.y), 10);
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
