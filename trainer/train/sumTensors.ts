// tf.addN of any number of tensors. tfjs-webgpu's AddN binds every input as a storage buffer in
// one kernel, and devices cap those per shader stage (8 on Dawn's GL ES route), so a model's
// worth of gradients cannot go through it at once. Chunks are summed left to right, in the same
// order as a single addN (which sums its inputs in order on every backend).
import { tf, type Tensor } from '../tf.js';

/** Inputs per AddN kernel: the output takes one of WebGPU's guaranteed 8 storage buffers. */
const maxInputs = 7;

export function sumTensors(tensors: Tensor[]): Tensor {
  return tf.tidy(() => {
    let sum = tf.addN(tensors.slice(0, maxInputs));
    for (let i = maxInputs; i < tensors.length; i += maxInputs - 1) sum = tf.addN([sum, ...tensors.slice(i, i + maxInputs - 1)]);
    return sum;
  });
}
