// Mixing two theme colours for canvases (which have no color-mix()): a second shade of a run's
// colour that still reads as that run's.

function rgbOf(color: string): [number, number, number] {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.fillStyle = color;
  const normal = ctx.fillStyle; // '#rrggbb' or 'rgba(r, g, b, a)'
  if (normal.startsWith('#')) {
    const n = parseInt(normal.slice(1), 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const [r, g, b] = normal.replace(/^rgba?\(|\)$/g, '').split(',').map((x) => Number(x));
  return [r, g, b];
}

/** `a` moved the fraction `t` of the way towards `b` (t = 0: a), as #rrggbb. */
export function mixColors(a: string, b: string, t: number): string {
  const x = rgbOf(a);
  const y = rgbOf(b);
  return `#${x.map((v, i) => Math.round(v + (y[i] - v) * t).toString(16).padStart(2, '0')).join('')}`;
}
