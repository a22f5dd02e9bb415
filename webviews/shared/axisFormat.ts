// One number format per axis: every tick label of an axis gets the same notation and the same
// decimals, chosen from the spacing of its ticks (never "5.00e-4" beside "0.002"), and steps get
// whole-number ticks only. Used by the Compare panel's charts (uPlot `values`/`incrs`) and scatters.

/** uPlot `incrs` for a step axis: whole steps only (1, 2, 5 × 10^k). */
export const integerIncrs: number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/**
 * Labels for the tick values of one axis, in one notation: fixed with the decimals the spacing
 * needs, or, when the largest tick is ≥ 1e6 or below 1e-3, exponential with one mantissa
 * precision. `percent` shows fractions (0.25) as percentages (25%).
 */
export function axisTickLabels(values: readonly number[], percent = false): string[] {
  const shown = values.map((v) => (percent ? v * 100 : v));
  const finite = shown.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return shown.map(() => '');
  const largest = Math.max(...finite.map(Math.abs));
  const sorted = [...new Set(finite)].sort((a, b) => a - b);
  let spacing = Infinity;
  for (let i = 1; i < sorted.length; i++) spacing = Math.min(spacing, sorted[i] - sorted[i - 1]);
  if (!Number.isFinite(spacing)) spacing = largest || 1;
  const suffix = percent ? '%' : '';
  if (largest !== 0 && (largest >= 1e6 || largest < 1e-3)) {
    // Enough mantissa digits to tell neighbouring ticks apart, the same for all.
    const digits = Math.min(6, Math.max(1, Math.ceil(Math.log10(largest / spacing) + 1e-9)));
    return shown.map((v) => (Number.isFinite(v) ? v.toExponential(digits - 1) + suffix : ''));
  }
  // The fewest decimals that write every tick exactly (0.25 needs 2 where its spacing alone says 1).
  let decimals = Math.max(0, -Math.floor(Math.log10(spacing) + 1e-9));
  while (decimals < 10 && finite.some((v) => Math.abs(Number(v.toFixed(decimals)) - v) > spacing * 1e-3)) decimals++;
  return shown.map((v) => (Number.isFinite(v) ? minusSign(v.toFixed(decimals)) + suffix : ''));
}

/** "-0.5" with a real minus sign, and no "-0". */
function minusSign(text: string): string {
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text.replace(/^-/, '−');
}
