// Loss and gradients of a batch, split into micro-batches whose gradients are summed, so a
// batch larger than fits in memory at once (the wasm heap stops at 4 GiB) still trains.
import { tf, type Tensor } from '../tf.js';
import type { ModelShape } from '../model/architecture.js';
import { forward, type ForwardResult } from '../model/forward.js';
import type { Params } from '../model/params.js';

export interface BatchGradients {
  loss: number;
  /** Mean over the whole batch, by parameter name. */
  grads: Record<string, Tensor>;
}

/** Softmax cross-entropy with optional label smoothing, averaged over the rows. */
export function crossEntropy(logits: Tensor, labels: Tensor, classes: number, smoothing = 0): Tensor {
  const target = tf.oneHot(labels.toInt(), classes).mul(1 - smoothing).add(smoothing / classes);
  return tf.neg(tf.sum(target.mul(tf.logSoftmax(logits)), -1)).mean();
}

export function batchGradients(
  vars: Record<string, tf.Variable>,
  trainable: string[],
  images: Tensor,
  labels: Tensor,
  s: ModelShape,
  microBatch: number,
  labelSmoothing: number,
  /** A regularizer on the traced forward pass (e.g. the SRR term). */
  extraLoss?: (result: ForwardResult, p: Params) => Tensor,
): BatchGradients {
  const batch = images.shape[0];
  const varList = trainable.map((n) => vars[n]);
  let sums: Record<string, Tensor> | undefined;
  let loss = 0;
  for (let start = 0; start < batch; start += microBatch) {
    const n = Math.min(microBatch, batch - start);
    const weight = n / batch;
    const { value, grads } = tf.variableGrads(() => {
      const x = images.slice(start, n);
      const y = labels.slice(start, n);
      const result = forward(x, vars, s, { trace: extraLoss !== undefined });
      let l = crossEntropy(result.logits, y, s.classes, labelSmoothing);
      if (extraLoss) l = l.add(extraLoss(result, vars));
      return l.mul(weight) as tf.Scalar;
    }, varList);
    loss += value.dataSync()[0];
    value.dispose();
    if (!sums) {
      sums = grads;
    } else {
      for (const k of Object.keys(grads)) {
        const next = sums[k].add(grads[k]);
        sums[k].dispose();
        grads[k].dispose();
        sums[k] = next;
      }
    }
  }
  return { loss, grads: sums ?? {} };
}
