// Dropout (Srivastava et al. 2014) as the official code applies it while training: each element
// kept with probability 1 − p and scaled by 1/(1 − p) (torch.nn.Dropout, flax nn.Dropout), so that
// evaluation and inference are the plain forward pass. Where each architecture applies it is the
// table `layerBlocks` (model/architecture.ts), which cites the official files.
//
// The masks are drawn on the host from (seed, step, the example's place in the batch)
// (random/streams.ts), not by the device's generator: a step draws the same masks on every backend,
// whatever the micro-batch size, and again after a resume.
import { tf, type Tensor } from '../tf.js';
import type { DropoutSite } from './architecture.js';
import { derivedRng } from '../random/derivedRng.js';
import type { Rng } from '../random/rng.js';
import { randomStreams } from '../random/streams.js';

/** Applies dropout to a tensor whose leading dimension runs over the examples, or the examples' tokens (batch-major). */
export interface Dropout {
  apply(x: Tensor): Tensor;
}

/** What a block calls at each of its sites: dropout there when the architecture has it, else x. */
export type Drop = (x: Tensor, site: DropoutSite) => Tensor;

export const noDrop: Drop = (x) => x;

/** The dropout of examples first … first + count − 1 of optimiser step `step`'s batch. */
export class SeededDropout implements Dropout {
  private readonly rngs: Rng[];

  constructor(
    readonly rate: number,
    seed: number,
    step: number,
    first: number,
    count: number,
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
    this.rngs = Array.from({ length: count }, (_, i) => derivedRng(seed, randomStreams.dropout, step, first + i));
  }

  apply(x: Tensor): Tensor {
    const per = x.size / this.rngs.length;
    const mask = new Float32Array(x.size);
    const scale = 1 / (1 - this.rate);
    const dropBelow = this.rate * 2 ** 32; // P(uint32 < rate · 2³²) = rate
    this.rngs.forEach((rng, e) => {
      for (let i = e * per; i < (e + 1) * per; i++) mask[i] = rng.nextUint32() < dropBelow ? 0 : scale;
    });
    return x.mul(tf.tensor(mask, x.shape));
  }
}
