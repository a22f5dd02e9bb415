// The SRR-vs-generalization-gap scatter of "Compare runs" (the SRR study's analysis): one point per
// run in its colour, ticks on both axes, Kendall's τ in the caption, a ring around the point the
// read-out describes, and each run's short label where it fits (labelPlacement.ts). The plot's
// scale and the labels' boxes are published as data-* attributes so tests can find them.
import type { CompareRunsResult, FinalMetrics } from '../../protocol/runData.js';
import { placeLabels } from './labelPlacement.js';
import { drawFrame, drawRing, drawScale, type ScatterSize } from './scatterFrame.js';

const size: ScatterSize = { width: 520, height: 320, pad: { left: 64, right: 16, top: 12, bottom: 40 } };
const radius = 6;
const labelHeight = 12;

export const scatterTitles = { x: 'SRR measure (mean over layers, last step; a ratio)', y: 'generalization gap (nats)' };

/** A run's point: its values and where it is drawn (CSS pixels in the canvas). */
export interface ScatterPoint {
  run: number;
  srr: number;
  gap: number;
  left: number;
  top: number;
}

/**
 * Draws the scatter with a ring around run `selected`; returns the points drawn, by SRR. `scale`:
 * device pixels per CSS pixel (the screen's, or 2 for an export).
 */
export function drawScatter(canvas: HTMLCanvasElement, final: FinalMetrics[], names: string[], colors: string[], selected: number | null, scale = devicePixelRatio): ScatterPoint[] {
  const frame = drawFrame(canvas, size, scatterTitles.x, scatterTitles.y, scale);
  const { ctx, theme, plotWidth, plotHeight } = frame;
  const points = final.map((f, i) => ({ x: f.srr, y: f.generalizationGap, i })).filter((p): p is { x: number; y: number; i: number } => p.x !== null && p.y !== null);
  points.sort((a, b) => a.x - b.x);
  if (points.length === 0) {
    canvas.dataset.labels = '[]';
    ctx.fillText('no run has both an SRR measure and a generalization gap', size.width / 2, size.height / 2);
    return [];
  }
  const { px, py } = drawScale(canvas, frame, size, points.map((p) => p.x), points.map((p) => p.y));
  const { pad } = size;
  const drawn = points.map((p) => ({ run: p.i, srr: p.x, gap: p.y, left: px(p.x), top: py(p.y) }));
  for (const p of drawn) {
    ctx.fillStyle = colors[p.run];
    ctx.beginPath();
    ctx.arc(p.left, p.top, radius, 0, 2 * Math.PI);
    ctx.fill();
  }
  // The picked run's label first: it is the one being read.
  const order = [...drawn].sort((a, b) => Number(b.run === selected) - Number(a.run === selected));
  ctx.font = theme.font;
  const boxes = placeLabels(
    order.map((p) => ({ x: p.left, y: p.top, width: Math.ceil(ctx.measureText(names[p.run]).width) + 2, height: labelHeight })),
    drawn.map((p) => ({ x: p.left, y: p.top })),
    radius,
    { left: pad.left + 1, top: pad.top + 1, width: plotWidth - 2, height: plotHeight - 2 },
  );
  ctx.fillStyle = theme.foreground;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const labels: { run: number; left: number; top: number; width: number; height: number }[] = [];
  order.forEach((p, k) => {
    const box = boxes[k];
    if (!box) return;
    ctx.fillText(names[p.run], box.left + 1, box.top + box.height / 2);
    labels.push({ run: p.run, ...box });
  });
  ctx.textBaseline = 'alphabetic';
  canvas.dataset.labels = JSON.stringify(labels);
  const picked = drawn.find((p) => p.run === selected);
  if (picked) drawRing(frame, picked.left, picked.top, 10);
  return drawn;
}

/** "Kendall's τ = 0.333 over 4 runs", or why it is undefined. */
export function tauCaption({ tau, runs, stillTraining, refused }: CompareRunsResult['kendallTau']): string {
  if (refused) return `Kendall's τ: not computed; ${refused}`;
  const left = stillTraining > 0 ? `; ${stillTraining} run${stillTraining === 1 ? '' : 's'} still training, left out` : '';
  return tau === null
    ? `Kendall's τ: undefined (${runs} finished run${runs === 1 ? '' : 's'} with both values; needs 2 or more without ties${left})`
    : `Kendall's τ = ${tau.toFixed(3)} over ${runs} runs${left}`;
}
