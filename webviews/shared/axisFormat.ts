// How the ticks of one chart axis read: one number format for all of them (never "5.00e-4" beside
// "0.002"), with just enough decimals to tell neighbouring ticks apart, so a column of ticks
// reads like a ruler. Accuracies read in percent; steps as whole numbers.

/** Decimals that tell ticks `spacing` apart (0.25 → 2, 0.5 → 1, 20 → 0). */
function decimalsFor(spacing: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(spacing * 10 ** d) - spacing * 10 ** d) < 1e-6 * spacing * 10 ** d) return d;
  return 12;
}

/** The smallest gap between consecutive ticks (their spacing). */
function spacingOf(ticks: readonly number[]): number {
  let spacing = Infinity;
  for (let i = 1; i < ticks.length; i++) {
    const d = Math.abs(ticks[i] - ticks[i - 1]);
    if (d > 0 && d < spacing) spacing = d;
  }
  return spacing;
}

/**
 * The labels of one axis's ticks in one format: fixed decimals (all ticks the same number of
 * them) when that takes at most four and the largest tick is below 10⁶, else scientific notation
 * with the same mantissa digits for all ("0", "5.0e-4", "1.0e-3", "1.5e-3").
 */
export function axisTickLabels(ticks: readonly number[]): string[] {
  const finite = ticks.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return ticks.map(() => '');
  const spacing = spacingOf(finite);
  const largest = Math.max(...finite.map(Math.abs));
  if (!Number.isFinite(spacing)) return ticks.map((v) => plain(v));
  const decimals = decimalsFor(spacing);
  if (decimals <= 4 && largest < 1e6) return ticks.map((v) => (Number.isFinite(v) ? fixed(v, decimals) : ''));
  // Mantissa digits that tell the ticks apart at the largest tick's exponent.
  const exponent = Math.floor(Math.log10(largest));
  const digits = Math.min(6, decimalsFor(spacing / 10 ** exponent));
  return ticks.map((v) => (!Number.isFinite(v) ? '' : v === 0 ? '0' : v.toExponential(digits)));
}

/** Percent tick labels of fractions (0.25 → "25%"), in one format as axisTickLabels. */
export function percentTickLabels(ticks: readonly number[]): string[] {
  return axisTickLabels(ticks.map((v) => v * 100)).map((s) => (s ? `${s}%` : s));
}

/** Whole-number tick labels (steps, layers); ticks that are not whole numbers get none. */
export function integerTickLabels(ticks: readonly number[]): string[] {
  return ticks.map((v) => (Number.isInteger(v) ? String(v) : ''));
}

/** A fraction as a percentage with four significant digits (0.8125 → "81.25%"), for read-outs. */
export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${Number((value * 100).toPrecision(4))}%`;
}

function fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  // "-0.00" reads as 0.
  return Number(s) === 0 ? (0).toFixed(decimals) : s;
}

function plain(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '';
}

/**
 * Step increments for uPlot's x axes: whole numbers only (1, 2, 5 × 10ⁿ), so a short run's axis
 * never shows step 2.5.
 */
export const integerIncrements: number[] = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8].map((p) => m * p)).sort((a, b) => a - b);
