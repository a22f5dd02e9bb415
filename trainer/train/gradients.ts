// Loss and gradients of a batch, split into micro-batches whose gradients are summed, so a
// batch larger than fits in memory at once (the wasm heap stops at 4 GiB, a GPU has its own
// limits) still trains. Nothing here reads the device: the loss and the batch's statistics stay
// tensors until the caller awaits them (webgpu in Node cannot read synchronously, and a read per
// micro-batch would stall the GPU's queue).
import { tf, type Tensor } from '../tf.js';
import type { ModelShape } from '../model/architecture.js';
import type { Dropout } from '../model/dropout.js';
import { forward, type ForwardResult } from '../model/forward.js';
import type { Params } from '../model/params.js';
import { gradientSquaredNorm } from './adamw.js';
import { yieldToEventLoop } from './eventLoop.js';

/** What a batch's step reports, read from the device in one go. */
export interface BatchStatistics {
  /** The loss the gradients are of (regularizer included), averaged over the batch. */
  loss: number;
  /** Fraction of the batch whose largest logit is its label. */
  accuracy: number;
  /** The regularizer's term in `loss`; undefined without one. */
  extraLoss?: number;
  /** The global L2 norm of the (summed) gradients, which clipping needs; only when asked for. */
  gradNorm?: number;
}

export interface BatchGradients {
  /** Mean over the whole batch, by parameter name. */
  grads: Record<string, Tensor>;
  /** [loss, correct predictions, regularizer term, squared gradient norm (when asked for)] of the batch, on the device: one read (`readStatistics`) gets what the step reports and clipping needs. */
  statistics: Tensor;
}

/** Softmax cross-entropy with optional label smoothing, averaged over the rows. */
export function crossEntropy(logits: Tensor, labels: Tensor, classes: number, smoothing = 0): Tensor {
  const target = tf.oneHot(labels.toInt(), classes).mul(1 - smoothing).add(smoothing / classes);
  return tf.neg(tf.sum(target.mul(tf.logSoftmax(logits)), -1)).mean();
}

/** How many rows' largest logit is their label (a float scalar). */
function correctCount(logits: Tensor, labels: Tensor): Tensor {
  return logits.argMax(-1).equal(labels.toInt()).sum().toFloat();
}

/**
 * The batch's gradients. Between micro-batches it lets timers and signal handlers run, so a long
 * step on a slow device does not freeze the heartbeat or delay `stop` by more than a micro-batch.
 */
export async function batchGradients(
  vars: Record<string, tf.Variable>,
  trainable: string[],
  images: Tensor,
  labels: Tensor,
  s: ModelShape,
  microBatch: number,
  labelSmoothing: number,
  /** A regularizer on the traced forward pass (e.g. the SRR term). */
  extraLoss?: (result: ForwardResult, p: Params) => Tensor,
  /** Also the gradients' global norm (two kernels per parameter: only when clipping). */
  withGradNorm = false,
  /** The dropout of the batch's examples first … first + count − 1 (model/dropout.ts); none without. */
  dropout?: (first: number, count: number) => Dropout,
): Promise<BatchGradients> {
  const batch = images.shape[0];
  const varList = trainable.map((n) => vars[n]);
  let sums: Record<string, Tensor> | undefined;
  let statistics = tf.zeros([3]);
  for (let start = 0; start < batch; start += microBatch) {
    if (start > 0) await yieldToEventLoop();
    const n = Math.min(microBatch, batch - start);
    const weight = n / batch;
    let parts: Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const x = images.slice(start, n);
      const y = labels.slice(start, n);
      const result = forward(x, vars, s, { trace: extraLoss !== undefined, dropout: dropout?.(start, n) });
      const data = crossEntropy(result.logits, y, s.classes, labelSmoothing);
      const extra = extraLoss ? extraLoss(result, vars) : tf.scalar(0);
      const l = data.add(extra).mul(weight) as tf.Scalar;
      // Kept out of the gradient's tidy scope; correctCount is not on the loss's path, so the
      // tape never differentiates it.
      parts = tf.keep(tf.stack([l, correctCount(result.logits, y), extra.mul(weight)]));
      return l;
    }, varList);
    value.dispose();
    const next = statistics.add(parts!);
    tf.dispose([statistics, parts!]);
    statistics = next;
    if (!sums) {
      sums = grads;
    } else {
      for (const k of Object.keys(grads)) {
        const summed = sums[k].add(grads[k]);
        sums[k].dispose();
        grads[k].dispose();
        sums[k] = summed;
      }
    }
  }
  const grads = sums ?? {};
  if (!withGradNorm) return { grads, statistics };
  const withNorm = tf.tidy(() => tf.concat([statistics, gradientSquaredNorm(grads).reshape([1])]));
  statistics.dispose();
  return { grads, statistics: withNorm };
}

/** Reads (asynchronously) and disposes a step's statistics. */
export async function readStatistics(b: BatchGradients, batch: number, withExtra: boolean): Promise<BatchStatistics> {
  const [loss, correct, extra, squaredNorm] = await b.statistics.data();
  b.statistics.dispose();
  return { loss, accuracy: correct / batch, extraLoss: withExtra ? extra : undefined, gradNorm: squaredNorm === undefined ? undefined : Math.sqrt(squaredNorm) };
}
