// One scatter of the study per complexity measure: x the measure, y the generalization gap, one
// point per run coloured by its model type. As the SRR scatter (scatter.ts): axes from the data's
// range, a ring around the point the read-out describes, the plot's scale published as data-*
// attributes so tests can find a run's point.
import { drawFrame, drawRing, drawScale, type ScatterSize } from './scatterFrame.js';

const size: ScatterSize = { width: 360, height: 240, pad: { left: 60, right: 14, top: 12, bottom: 38 } };

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
  const frame = drawFrame(canvas, size, xLabel, 'generalization gap');
  if (points.length === 0) {
    frame.ctx.fillText('no run has this measure', size.pad.left + frame.plotWidth / 2, size.pad.top + frame.plotHeight / 2);
    return [];
  }
  const sorted = [...points].sort((a, b) => a.x - b.x || a.run - b.run);
  const { px, py } = drawScale(canvas, frame, size, sorted.map((p) => p.x), sorted.map((p) => p.gap));
  const drawn = sorted.map((p) => ({ ...p, left: px(p.x), top: py(p.gap) }));
  for (const p of drawn) {
    frame.ctx.fillStyle = p.color;
    frame.ctx.beginPath();
    frame.ctx.arc(p.left, p.top, 5, 0, 2 * Math.PI);
    frame.ctx.fill();
  }
  const picked = drawn.find((p) => p.run === selected);
  if (picked) drawRing(frame, picked.left, picked.top, 9);
  return drawn;
}
