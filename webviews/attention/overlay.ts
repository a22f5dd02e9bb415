// Draws one probe image with one head's CLS-attention map on top: the image rescaled by its own
// min/max (the probe is normalized, so its raw range is arbitrary), the grid×grid map upsampled
// bilinearly (or each patch one flat block: `nearest`) and coloured by a colormap over `scale`.
import type { ProbeImages } from '../../protocol/panelMessages.js';
import { colormapTable, type ColormapName } from '../shared/colormaps.js';

export interface OverlayInput {
  probe: ProbeImages | null;
  image: number;
  /** grid×grid attention of one head on one image. */
  map: Float32Array;
  grid: number;
  colormap: ColormapName;
  /** 0 = image only, 1 = map only (ignored without a probe: the map is shown alone). */
  opacity: number;
  /** Each patch one flat block (nearest neighbour) instead of the bilinear upsampling. */
  nearest: boolean;
  /** The weights at the colormap's ends. */
  scale: [number, number];
}

/** The map's own [min, max] (a constant map gets a unit-wide range). */
export function mapRange(map: Float32Array): [number, number] {
  return range(map, 0, map.length);
}

function range(values: Float32Array, from: number, to: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > min ? [min, max] : [min, min + 1];
}

/** Bilinear sample of the map at (u, v) ∈ [0,1]², cell centres at (i + ½)/grid. */
function sampleMap(map: Float32Array, grid: number, u: number, v: number): number {
  const x = Math.max(0, Math.min(grid - 1, u * grid - 0.5));
  const y = Math.max(0, Math.min(grid - 1, v * grid - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(grid - 1, x0 + 1);
  const y1 = Math.min(grid - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const top = map[y0 * grid + x0] * (1 - fx) + map[y0 * grid + x1] * fx;
  const bottom = map[y1 * grid + x0] * (1 - fx) + map[y1 * grid + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/** The patch under (u, v) ∈ [0,1]², as it is: the patch grid the model sees. */
function nearestCell(map: Float32Array, grid: number, u: number, v: number): number {
  return map[Math.min(grid - 1, Math.floor(v * grid)) * grid + Math.min(grid - 1, Math.floor(u * grid))];
}

/** Renders into `canvas` at size×size CSS pixels, `dpr` device pixels each (the screen's, or an export's 2). */
export function drawOverlay(canvas: HTMLCanvasElement, size: number, o: OverlayInput, dpr = devicePixelRatio): void {
  const px = Math.round(size * dpr);
  if (canvas.width !== px) {
    canvas.width = px;
    canvas.height = px;
    canvas.style.width = `${size}px`;
    canvas.style.height = `${size}px`;
  }
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(px, px);
  const table = colormapTable(o.colormap);
  const [mapMin, mapMax] = o.scale[1] > o.scale[0] ? o.scale : [o.scale[0], o.scale[0] + 1];
  const sample = o.nearest ? nearestCell : sampleMap;
  const probe = o.probe;
  const plane = probe ? probe.height * probe.width : 0;
  const imageOffset = probe ? o.image * probe.channels * plane : 0;
  const [imgMin, imgMax] = probe ? range(probe.data, imageOffset, imageOffset + probe.channels * plane) : [0, 1];
  const alpha = probe ? o.opacity : 1;
  for (let y = 0; y < px; y++) {
    const v = (y + 0.5) / px;
    for (let x = 0; x < px; x++) {
      const u = (x + 0.5) / px;
      const m = (sample(o.map, o.grid, u, v) - mapMin) / (mapMax - mapMin);
      const ci = Math.max(0, Math.min(255, Math.round(m * 255))) * 3;
      let r = 0;
      let g = 0;
      let b = 0;
      if (probe) {
        // Nearest pixel of the probe image: its pixels are the model's, shown as they are.
        const sx = Math.min(probe.width - 1, Math.floor(u * probe.width));
        const sy = Math.min(probe.height - 1, Math.floor(v * probe.height));
        const at = imageOffset + sy * probe.width + sx;
        const scale = 255 / (imgMax - imgMin);
        r = (probe.data[at] - imgMin) * scale;
        if (probe.channels >= 3) {
          g = (probe.data[at + plane] - imgMin) * scale;
          b = (probe.data[at + 2 * plane] - imgMin) * scale;
        } else {
          g = r;
          b = r;
        }
      }
      const o4 = (y * px + x) * 4;
      out.data[o4] = r * (1 - alpha) + table[ci] * alpha;
      out.data[o4 + 1] = g * (1 - alpha) + table[ci + 1] * alpha;
      out.data[o4 + 2] = b * (1 - alpha) + table[ci + 2] * alpha;
      out.data[o4 + 3] = 255;
    }
  }
  ctx.putImageData(out, 0, 0);
}
