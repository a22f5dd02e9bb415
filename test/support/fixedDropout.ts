// Dropout with masks a test knows: drawn from the test's own generator on a first forward pass and
// replayed on the next ones (`replay`), so that tfjs and the naive float64 model see the same masks.
import { tf, type Tensor } from '../../trainer/tf.js';
import type { Dropout } from '../../trainer/model/dropout.js';
import type { Rng } from '../../trainer/random/rng.js';

export class FixedDropout implements Dropout {
  private used = 0;

  constructor(
    readonly rate: number,
    private readonly rng: Rng,
    /** Each site's whole-batch mask, in the order the forward pass applied them. */
    readonly masks: Float32Array[] = [],
  ) {}

  apply(x: Tensor): Tensor {
    if (this.used === this.masks.length) this.masks.push(Float32Array.from({ length: x.size }, () => (this.rng.next() < this.rate ? 0 : 1 / (1 - this.rate))));
    const mask = this.masks[this.used++];
    if (mask.length !== x.size) throw new Error(`mask ${this.used - 1} has ${mask.length} entries for a tensor of ${x.size}`);
    return x.mul(tf.tensor(mask, x.shape));
  }

  /** The same masks for another forward pass. */
  replay(): FixedDropout {
    return new FixedDropout(this.rate, this.rng, this.masks);
  }
}
