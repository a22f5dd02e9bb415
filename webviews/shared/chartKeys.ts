// Keyboard read-out for the uPlot charts (dashboard, per-layer lines, compare): arrow keys move
// the cursor as a mouse would, so uPlot's legend shows the values under it, as on hover.
import type uPlot from 'uplot';
import { lowerBound, upperBound } from './sortedSearch.js';

export const cursorKeysHelp = 'Arrow keys move the read-out to the next point (Shift: further), Home and End jump to the ends';

/** The cursor's x in CSS pixels, or the middle of the plot when it is not over the plot. */
export function cursorLeft(plot: uPlot): number {
  const left = plot.cursor.left;
  return left != null && left >= 0 ? left : plot.bbox.width / devicePixelRatio / 2;
}

/**
 * Moves the cursor for an arrow, Home or End key; false for any other key. An arrow moves to the
 * nearest data point at least 2 px away (20 px with Shift): one point at a time on sparse charts
 * (a layer, an evaluation), a couple of pixel columns at a time on dense ones.
 */
export function moveCursorByKey(plot: uPlot, e: KeyboardEvent): boolean {
  const width = plot.bbox.width / devicePixelRatio;
  let next: number;
  switch (e.key) {
    case 'ArrowLeft':
    case 'ArrowRight': {
      const direction = e.key === 'ArrowLeft' ? -1 : 1;
      const target = cursorLeft(plot) + direction * (e.shiftKey ? 20 : 2);
      const xs = plot.data[0];
      const x = plot.posToVal(target, 'x');
      // The first point at or right of the target, or the last at or left of it.
      const at = direction === 1 ? lowerBound(xs, xs.length, x) : upperBound(xs, xs.length, x) - 1;
      next = at < 0 || at >= xs.length ? target : plot.valToPos(xs[at], 'x');
      break;
    }
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = width;
      break;
    default:
      return false;
  }
  plot.setCursor({ left: Math.max(0, Math.min(width, next)), top: plot.bbox.height / devicePixelRatio / 2 });
  return true;
}
