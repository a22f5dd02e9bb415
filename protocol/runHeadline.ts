// The headline numbers of a run in one wording for the dashboard header, the Runs view and the
// status bar. Pure (no VS Code, no DOM) so that the extension and the panels share it.
import type { DivergingLoss, HeldOutAccuracy, RunSummary } from './runData.js';

/** `epoch 2/3` (counted from 1, of the run's epochs), or `epoch 1` (from 0) for runs that do not say how many. */
export function epochText(run: Pick<RunSummary, 'epoch' | 'epochs'>): string {
  return run.epochs ? `epoch ${Math.min(run.epoch + 1, run.epochs)}/${run.epochs}` : `epoch ${run.epoch}`;
}

/** An accuracy (a fraction) as a percentage with one decimal: 0.8077 → "80.8%". */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/**
 * `val acc 80.8% (best 81.2% at step 217)`: the final held-out accuracy and the best one; null
 * when there is none yet (no evaluation, or the run's events not read).
 */
export function heldOutText(h: HeldOutAccuracy | null | undefined): string | null {
  if (!h) return null;
  const name = h.split === 'validation' ? 'val' : 'test';
  return `${name} acc ${percent(h.final)} (best ${percent(h.best)} at step ${h.bestStep})`;
}

/** A duration for people, to the unit that matters: "45 s", "12 min", "1 h 05 min". */
export function durationText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * `12 min elapsed · ≈ 3 min left`: the training time and, for a running run, the estimate of what
 * is left; either part alone when only it is known; null when neither is.
 */
export function timeText(run: Pick<RunSummary, 'elapsedSeconds' | 'etaSeconds'>): string | null {
  const parts: string[] = [];
  if (run.elapsedSeconds !== undefined) parts.push(`${durationText(run.elapsedSeconds)} elapsed`);
  if (run.etaSeconds !== undefined && Number.isFinite(run.etaSeconds)) parts.push(`≈ ${durationText(run.etaSeconds)} left`);
  return parts.length ? parts.join(' · ') : null;
}

/** `diverging: mean loss 7.91 over steps 81–100 > 2 × ln 10 = 4.61` (the evidence of RunSummary.diverging). */
export function divergingText(d: DivergingLoss): string {
  const factor = Number((d.threshold / d.chanceLoss).toFixed(2));
  return `diverging: mean loss ${d.meanLoss.toFixed(2)} over steps ${d.fromStep}–${d.toStep} > ${factor} × ln ${d.classes} = ${d.threshold.toFixed(2)}`;
}
