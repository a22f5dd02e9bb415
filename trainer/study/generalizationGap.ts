// The generalization gap the study ranks a run by, read from its events (the one place that
// decides it; docs/study.md): held-out loss minus training-subset loss at the same checkpoint, as
// in the SRR study (Hu, Zou & Xu 2024), from the last evaluation that has both (the trainer
// evaluates the fixed training subset beside the held-out set: the eval event's `train`). Runs
// written before the trainer evaluated a training subset have none; for them the training side is
// the mean cross-entropy of the mini-batches since the previous evaluation (each step's loss minus
// its srrLoss), measured on augmented batches with label smoothing while the weights moved, and
// the study says so.
import { join } from 'node:path';
import { readEventsFrom } from '../run/eventsReader.js';
import { type RunEvent, runFiles } from '../run/format.js';

export interface Gap {
  gap: number;
  heldOutLoss: number;
  trainingLoss: number;
  /** The held-out split the last evaluation ran on. */
  split: 'validation' | 'test';
  step: number;
  /** Where the training loss came from: the eval event itself, or the mini-batches before it. */
  trainingSource: 'eval' | 'minibatches';
}

type EvalEvent = Extract<RunEvent, { type: 'eval' }>;
type ScalarsEvent = Extract<RunEvent, { type: 'scalars' }>;

/** The eval event's training-subset loss (absent on final test evaluations and on older runs). */
function trainingSubsetLoss(e: EvalEvent): number | undefined {
  const v = e.train?.loss;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The gap of the run's last evaluation with a training subset (else its last evaluation), or a reason why there is none. */
export function generalizationGap(runDir: string): Gap | { reason: string } {
  return gapOfEvents(readEventsFrom(join(runDir, runFiles.events)).events);
}

/** generalizationGap of a run's events already read. */
export function gapOfEvents(events: readonly RunEvent[]): Gap | { reason: string } {
  let last: EvalEvent | undefined;
  let previousEvalStep = 0;
  const paired = events.some((e) => e.type === 'eval' && trainingSubsetLoss(e) !== undefined);
  for (const e of events) {
    if (e.type !== 'eval' || (paired && trainingSubsetLoss(e) === undefined)) continue;
    if (last) previousEvalStep = last.step;
    last = e;
  }
  if (!last) return { reason: 'it has no evaluation' };
  if (!Number.isFinite(last.loss)) return { reason: `its last evaluation (step ${last.step}) has loss ${last.loss}` };
  const own = trainingSubsetLoss(last);
  let trainingLoss: number;
  if (own !== undefined) trainingLoss = own;
  else {
    const end = last.step;
    const batches = events.filter((e): e is ScalarsEvent => e.type === 'scalars' && e.step > previousEvalStep && e.step <= end && Number.isFinite(e.loss));
    if (batches.length === 0) return { reason: `no training steps were logged before its last evaluation (step ${end})` };
    trainingLoss = batches.reduce((a, e) => a + e.loss - (e.srrLoss ?? 0), 0) / batches.length;
  }
  return { gap: last.loss - trainingLoss, heldOutLoss: last.loss, trainingLoss, split: last.split, step: last.step, trainingSource: own !== undefined ? 'eval' : 'minibatches' };
}
