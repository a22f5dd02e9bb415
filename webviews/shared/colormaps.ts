// Perceptual colormaps as 256-entry RGB lookup tables, built from 9 evenly spaced anchors of
// matplotlib's viridis and inferno (linear interpolation between anchors is within a few RGB
// levels of the full tables, and keeps the ordering of lightness that makes heatmaps readable).

export const colormapNames = ['viridis', 'inferno', 'gray'] as const;
export type ColormapName = (typeof colormapNames)[number];

const anchors: Record<ColormapName, string[]> = {
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'],
  inferno: ['#000004', '#1f0c48', '#550f6d', '#88226a', '#ba3655', '#e35933', '#f98e09', '#f9cb35', '#fcffa4'],
  gray: ['#000000', '#ffffff'],
};

const tables = new Map<ColormapName, Uint8ClampedArray>();

function hexToRgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** RGB triples for t = i/255, i = 0…255. */
export function colormapTable(name: ColormapName): Uint8ClampedArray {
  let table = tables.get(name);
  if (table) return table;
  const stops = anchors[name].map(hexToRgb);
  table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (stops.length - 1);
    const k = Math.min(Math.floor(x), stops.length - 2);
    const f = x - k;
    for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  tables.set(name, table);
  return table;
}

export function isColormapName(value: unknown): value is ColormapName {
  return typeof value === 'string' && (colormapNames as readonly string[]).includes(value);
}

/** Index into a table for `value` on the scale [min, max] (the middle when the scale is flat). */
export function colormapIndex(value: number, min: number, max: number): number {
  if (!(max > min)) return 128;
  return Math.max(0, Math.min(255, Math.round(((value - min) / (max - min)) * 255)));
}

/** A horizontal legend bar of a colormap, as a canvas (the caller labels its ends). */
export function colormapBar(name: ColormapName, width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const table = colormapTable(name);
  for (let x = 0; x < width; x++) {
    const i = Math.round((x / Math.max(1, width - 1)) * 255) * 3;
    for (let y = 0; y < height; y++) {
      const o = (y * width + x) * 4;
      img.data[o] = table[i];
      img.data[o + 1] = table[i + 1];
      img.data[o + 2] = table[i + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}
