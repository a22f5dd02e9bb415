// The output margin of Jiang et al. 2020 (eq. (22); docs/models.md): per training example the
// correct class's logit minus the largest other logit; γ is the 10th percentile of those margins
// (the k-th smallest, k = max(1, ⌊m/10⌋), as their code takes it), and the measure is 1/γ². It is
// undefined (null) when γ ≤ 0, i.e. when more than a tenth of the examples are misclassified:
// Jiang et al. train every model to about 100% training accuracy, where γ > 0.
import { tf } from '../../tf.js';
import type { ModelShape } from '../../model/architecture.js';
import { forward } from '../../model/forward.js';
import type { Params } from '../../model/params.js';

/** Margins of the rows of `logits` (m × classes, row-major) against `labels`. */
export function outputMargins(logits: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[] {
  const m = labels.length;
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    const y = labels[i];
    let other = -Infinity;
    for (let c = 0; c < classes; c++) if (c !== y && logits[i * classes + c] > other) other = logits[i * classes + c];
    out.push(logits[i * classes + y] - other);
  }
  return out;
}

/** γ: the k-th smallest margin, k = max(1, ⌊m/10⌋). */
export function tenthPercentileMargin(margins: readonly number[]): number {
  if (margins.length === 0) throw new RangeError('no margins: the measure data holds no images');
  const sorted = [...margins].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.floor(sorted.length / 10)) - 1];
}

export function inverseMarginSquared(gamma: number): number | null {
  return gamma > 0 ? 1 / (gamma * gamma) : null;
}

/** The margins of the model on `images` (N×C×H×W float32, normalized as in training), in batches. */
export async function modelMargins(s: ModelShape, params: Params, images: Float32Array, labels: Int32Array, batch = 64): Promise<number[]> {
  const per = s.channels * s.image * s.image;
  const margins: number[] = [];
  for (let start = 0; start < labels.length; start += batch) {
    const n = Math.min(batch, labels.length - start);
    const logits = tf.tidy(() => forward(tf.tensor(images.subarray(start * per, (start + n) * per), [n, s.channels, s.image, s.image]), params, s).logits);
    const values = await logits.data();
    logits.dispose();
    margins.push(...outputMargins(values, labels.subarray(start, start + n), s.classes));
  }
  return margins;
}
