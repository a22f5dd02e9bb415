// The compared runs' colours: VS Code's six chart colours first (told apart on every theme), then,
// for a sweep of more runs, hues spaced by the golden angle so that no two runs share a colour, at
// a lightness that reads on the theme's background. A run keeps its colour while others come and go:
// the index is its place among the panel's members.
import { chartTheme, runColor } from '../shared/theme.js';

const themed = 6;

function isDarkBackground(): boolean {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.fillStyle = chartTheme().background;
  const hex = ctx.fillStyle;
  if (!hex.startsWith('#')) return true;
  const n = parseInt(hex.slice(1), 16);
  return 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255) < 128;
}

/** The colours of `count` runs, each distinct. */
export function compareRunColors(count: number): string[] {
  const lightness = isDarkBackground() ? 65 : 40;
  return Array.from({ length: count }, (_, i) => (i < themed ? runColor(i) : `hsl(${((i - themed) * 137.508 + 15) % 360}, 70%, ${lightness}%)`));
}
