// How numbers read in panels: a few significant digits, never exponent noise for ordinary sizes.

/** Six significant digits, trailing zeros dropped: tables show what the run logged, legibly. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

/** Four significant digits, for axis ticks and hover read-outs. */
export function formatShort(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
