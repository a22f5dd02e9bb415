// Loss and accuracy on a set of examples as they are (no augmentation), in batches: the plain
// cross-entropy of the model in evaluation mode (no label smoothing, no regularizer, no dropout).
import { tf } from '../tf.js';
import type { ModelShape } from '../model/architecture.js';
import { forward } from '../model/forward.js';
import type { Params } from '../model/params.js';
import type { EvaluationSet } from './dataFeed.js';
import { yieldToEventLoop } from './eventLoop.js';
import { crossEntropy } from './gradients.js';

export interface Evaluation {
  loss: number;
  accuracy: number;
  examples: number;
}

export async function evaluate(set: EvaluationSet, params: Params, shape: ModelShape, batchSize: number): Promise<Evaluation> {
  const total = set.size;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < total; start += batchSize) {
    await yieldToEventLoop(); // a long evaluation must not starve the heartbeat
    const n = Math.min(batchSize, total - start);
    const batch = set.batch(start, n);
    // Loss and hits in one read: on webgpu each read waits for the device.
    const figures = tf.tidy(() => {
      const x = tf.tensor(batch.images, [n, shape.channels, shape.image, shape.image]);
      const y = tf.tensor1d(batch.labels, 'int32');
      const logits = forward(x, params, shape).logits;
      return tf.stack([crossEntropy(logits, y, shape.classes).mul(n), logits.argMax(-1).equal(y).sum().toFloat()]);
    });
    const [loss, hits] = await figures.data();
    figures.dispose();
    lossSum += loss;
    correct += hits;
  }
  return { loss: lossSum / total, accuracy: correct / total, examples: total };
}
