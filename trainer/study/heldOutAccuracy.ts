// A run's final held-out accuracy, the figure the regularizer's table compares (the last table of the SRR study,
// Hu, Zou & Xu 2024: top-1 accuracy): the accuracy of its last evaluation, which for a completed run is the
// final test evaluation (docs/run-directory.md), else its last validation evaluation.
import type { RunEvent } from '../run/format.js';

export interface HeldOutAccuracy {
  accuracy: number;
  split: 'validation' | 'test';
  step: number;
}

/** The last evaluation's accuracy, or null when the run has no evaluation or its accuracy is not finite. */
export function finalHeldOutAccuracy(events: readonly RunEvent[]): HeldOutAccuracy | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.type === 'eval') return Number.isFinite(e.accuracy) ? { accuracy: e.accuracy, split: e.split, step: e.step } : null;
  }
  return null;
}
