// Kendall's τ-b from its definition, every pair once, (C − D) / √((n₀ − n₁)(n₀ − n₂)): the
// independent reference the study's tests compare trainer/study/kendall.ts and the table with.
export function bruteTauB(x: number[], y: number[]): number | null {
  let c = 0;
  let d = 0;
  let tx = 0;
  let ty = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = x[i] - x[j];
      const b = y[i] - y[j];
      if (a === 0) tx++;
      if (b === 0) ty++;
      if (a * b > 0) c++;
      else if (a * b < 0) d++;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const den = Math.sqrt((n0 - tx) * (n0 - ty));
  return den > 0 ? (c - d) / den : null;
}
