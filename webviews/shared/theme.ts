// Colours for canvases, resolved from VS Code's theme variables. CSS styles the DOM directly
// with var(--vscode-*); canvases need concrete colours, so they read them here and redraw when
// VS Code switches themes (it swaps the body's vscode-light/-dark/-high-contrast classes).

/** VS Code's chart palette: designed to be told apart on every built-in theme, HC included. */
const runPalette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
// Used only when a variable is missing (e.g. an old VS Code); mid-tones readable on light and dark.
const paletteFallbacks = ['#3794ff', '#d18616', '#388a34', '#b180d7', '#f14c4c', '#cca700'];

export function themeColor(variable: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(variable).trim();
  return value || fallback;
}

/** The colour of the i-th run of a panel (cycles after six runs). */
export function runColor(index: number): string {
  const i = index % runPalette.length;
  return themeColor(runPalette[i], paletteFallbacks[i]);
}

export interface ChartTheme {
  foreground: string;
  background: string;
  grid: string;
  font: string;
  /** Data line width in CSS pixels: thicker in high-contrast themes. */
  lineWidth: number;
  highContrast: boolean;
}

/** `color` (any CSS colour) at opacity `alpha`, as rgba(): canvases have no color-mix(). */
export function withAlpha(color: string, alpha: number): string {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.fillStyle = color;
  const normal = ctx.fillStyle; // '#rrggbb' or 'rgba(r, g, b, a)'
  if (normal.startsWith('#')) {
    const n = parseInt(normal.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  return normal.replace(/rgba?\(([^,]+),([^,]+),([^,)]+).*\)/, `rgba($1,$2,$3, ${alpha})`);
}

export function chartTheme(): ChartTheme {
  const family = themeColor('--vscode-font-family', 'sans-serif');
  const foreground = themeColor('--vscode-foreground', '#808080');
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    foreground,
    background: themeColor('--vscode-editor-background', '#ffffff'),
    // The grid is the text colour, faint: it recedes behind the data in every theme.
    grid: withAlpha(foreground, highContrast ? 0.3 : 0.15),
    font: `11px ${family}`,
    lineWidth: highContrast ? 2 : 1,
    highContrast,
  };
}

/** Calls `redraw` whenever VS Code changes the theme. */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
