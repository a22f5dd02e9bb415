// Which numbers of an event are points of a scalar series: the one definition that the server's
// series, the clients' handling of pushed events (through protocol/runData.ts) and the trainer's
// scalars.bin share, so that none of them can name or pick a value differently. Pure (no Node
// API, no tfjs): browser bundles reach it through the protocol.
import type { RunEvent } from './format.js';

/**
 * The scalar series points one event contributes, by key: `loss`, `lr`, `imagesPerSecond` and,
 * when logged, `accuracy`, `srrLoss` from a `scalars` event; `validation.loss`,
 * `validation.accuracy` (or `test.…`) from an `eval` event and, when it has its training subset's,
 * `train.loss`, `train.accuracy` and the generalization gap `gap.loss` (held-out loss − training
 * loss) and `gap.accuracy` (training accuracy − held-out accuracy: the error gap); nothing from
 * the others. Values are
 * the logged numbers (the server keeps float32, so its series hold Math.fround of them).
 */
export function scalarsOfEvent(event: RunEvent): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'number') out[key] = value;
  };
  if (event.type === 'scalars') {
    put('loss', event.loss);
    put('lr', event.lr);
    put('imagesPerSecond', event.imagesPerSecond);
    put('accuracy', event.accuracy);
    put('srrLoss', event.srrLoss);
  } else if (event.type === 'eval') {
    put(`${event.split}.loss`, event.loss);
    put(`${event.split}.accuracy`, event.accuracy);
    const train = event.train;
    if (train !== null && typeof train === 'object') {
      put('train.loss', train.loss);
      put('train.accuracy', train.accuracy);
      // The generalization gap at this evaluation's weights (the SRR study, Hu, Zou & Xu 2024):
      // held-out loss − training loss, and held-out error − training error.
      if (typeof event.loss === 'number' && typeof train.loss === 'number') put('gap.loss', event.loss - train.loss);
      if (typeof event.accuracy === 'number' && typeof train.accuracy === 'number') put('gap.accuracy', train.accuracy - event.accuracy);
    }
  }
  return out;
}
