import { tf, type Tensor } from '../tf.js';

/** LayerNorm over the last axis, as torch.nn.LayerNorm (biased variance). */
export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(weight).add(bias);
  });
}
