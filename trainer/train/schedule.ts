/** Learning rate at optimiser step `step` (0-based): linear warm-up, then cosine decay to minLr. */
export function learningRate(step: number, s: { lr: number; minLr: number; warmupSteps: number; totalSteps: number }): number {
  if (step < s.warmupSteps) return (s.lr * (step + 1)) / s.warmupSteps;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const progress = Math.min(1, (step - s.warmupSteps) / span);
  return s.minLr + 0.5 * (s.lr - s.minLr) * (1 + Math.cos(Math.PI * progress));
}

/** Steps of the linear warm-up: `optim.warmup` as a number of steps (≥ 1) or a fraction of the run's `total` steps. */
export function warmupSteps(warmup: number, total: number): number {
  return warmup >= 1 ? Math.round(warmup) : Math.round(warmup * total);
}
