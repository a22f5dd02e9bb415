// Axis ticks at "nice" values (1, 2 or 5 times a power of ten), the rule of most chart libraries:
// a reader can interpolate between them at a glance.

/** Ticks in [lo, hi], at most about `maxCount` of them; `integer` keeps them whole (steps). */
export function niceTicks(lo: number, hi: number, maxCount: number, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, maxCount);
  const power = 10 ** Math.floor(Math.log10(raw));
  let spacing = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  if (integer) spacing = Math.max(1, Math.round(spacing));
  const ticks: number[] = [];
  // Rounded to the spacing's decimals so 0.1 + 0.2 reads 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(spacing)) + 1);
  for (let k = Math.ceil(lo / spacing - 1e-9); k * spacing <= hi + spacing * 1e-9; k++) ticks.push(Number((k * spacing).toFixed(decimals)));
  return ticks;
}
