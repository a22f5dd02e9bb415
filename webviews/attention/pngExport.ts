// "Export PNG" of the attention panel: the map shown (probe image with the head's CLS attention)
// painted anew at 2×, with what it is (step, layer, head, image, label and prediction) above it
// and its colour bar under it: ticks in one format, the scale's title, the uniform 1/N marked.
import { exportCanvas, exportScale } from '../shared/chartImage.js';
import { axisTickLabels } from '../shared/axisFormat.js';
import { colormapBar } from '../shared/colormaps.js';
import type { ChartTheme } from '../shared/theme.js';
import { niceTicks } from '../shared/ticks.js';
import { drawOverlay, type OverlayInput } from './overlay.js';

export interface AttentionFigure {
  overlay: OverlayInput;
  /** Side of the map, CSS px. */
  size: number;
  heading: string;
  caption: string;
  scaleTitle: string;
  /** The uniform weight 1/N. */
  uniform: number;
}

const margin = 16;

export function attentionPng(f: AttentionFigure, theme: ChartTheme): string {
  const width = f.size + 2 * margin;
  const top = 52;
  const height = top + f.size + 80;
  const { canvas, ctx } = exportCanvas(width, height, theme);
  const family = theme.font.replace(/^\d+px\s*/, '');
  ctx.fillStyle = theme.foreground;
  ctx.textBaseline = 'middle';
  ctx.font = `bold 13px ${family}`;
  ctx.fillText(f.heading, margin, 14);
  ctx.font = `12px ${family}`;
  ctx.fillText(f.caption, margin, 36);
  const map = document.createElement('canvas');
  drawOverlay(map, f.size, f.overlay, exportScale);
  ctx.drawImage(map, margin, top, f.size, f.size);
  // The colour bar as wide as the map, ticked, with 1/N marked.
  const barTop = top + f.size + 8;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(colormapBar(f.overlay.colormap, f.size * exportScale, 1), margin, barTop, f.size, 12);
  ctx.imageSmoothingEnabled = true;
  const [lo, hi] = f.overlay.scale;
  const at = (v: number) => margin + ((v - lo) / (hi - lo)) * f.size;
  const ticks = hi > lo ? niceTicks(lo, hi, 5).filter((v) => v >= lo && v <= hi) : [];
  ctx.font = `11px ${family}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  axisTickLabels(ticks).forEach((label, k) => {
    ctx.fillRect(at(ticks[k]), barTop + 12, 1, 4);
    ctx.fillText(label, Math.min(width - 20, Math.max(20, at(ticks[k]))), barTop + 18);
  });
  if (f.uniform >= lo && f.uniform <= hi) {
    ctx.fillRect(at(f.uniform) - 1, barTop - 4, 2, 20);
  }
  ctx.textAlign = 'left';
  ctx.fillText(f.scaleTitle, margin, barTop + 38);
  return canvas.toDataURL('image/png');
}
