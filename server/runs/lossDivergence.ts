// Whether a run is diverging while its loss is still finite. The trainer stops a run only when its
// loss becomes NaN or infinite (status `diverged`); long before that, a learning rate that is too
// high shows as a training loss far above chance that does not come down.
//
// The rule: the mean training cross-entropy (the logged loss less its SRR term) of the last 20
// logged steps, all past the warm-up, exceeds 2 · ln(classes).
// - ln(C) is the cross-entropy of a uniform guess over C classes, whatever the targets (label
//   smoothing included): what an untrained or collapsed classifier scores. A model at twice that
//   gives the right class a probability of about 1/C² on average: it is confidently wrong, which
//   is what logits blown up by too large steps look like.
// - 20 steps: one noisy batch, or a spike that recovers, does not flag a run.
// - Past the warm-up: the learning rate has reached its peak, and the first steps' loss (a
//   random initialisation can start above ln C) is behind.
import type { DivergingLoss } from '../../protocol/runData.js';

export const divergenceRule = { steps: 20, factorOfChance: 2 } as const;

/** One logged training step: its step number, loss and the SRR term included in it (0 when none). */
export interface LossPoint {
  step: number;
  loss: number;
  srrLoss: number;
}

/**
 * The verdict on a run's last logged steps (in step order): the evidence when it diverges by the
 * rule, else undefined (also when there are too few steps past the warm-up, or fewer than 2 classes).
 */
export function divergingLoss(points: readonly LossPoint[], classes: number, warmupSteps: number): DivergingLoss | undefined {
  if (!(classes >= 2)) return undefined;
  const last = points.slice(-divergenceRule.steps);
  if (last.length < divergenceRule.steps || last[0].step <= warmupSteps) return undefined;
  const meanLoss = last.reduce((sum, p) => sum + p.loss - p.srrLoss, 0) / last.length;
  const chanceLoss = Math.log(classes);
  const threshold = divergenceRule.factorOfChance * chanceLoss;
  if (!(meanLoss > threshold)) return undefined; // NaN (a non-finite loss in the window) is no verdict
  return { meanLoss, threshold, chanceLoss, classes, fromStep: last[0].step, toStep: last[last.length - 1].step };
}
