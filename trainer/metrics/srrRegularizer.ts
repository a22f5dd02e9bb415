// The differentiable Rc − R of seed 002's SRR regularizer (SPEC §4). The logdets are evaluated
// in float64 on the host (small Gram matrices); their gradient is the matrix inverse.
import { tf, type Tensor } from '../tf.js';
import { inverseSpd, logdetSpd } from './cholesky.js';
import { defaultCodingRateEps } from './layerMetrics.js';

/** logdet of each SPD matrix in a [B, m, m] batch, with d logdet(M)/dM = M⁻¹ (M symmetric). */
export const batchLogdet = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
  const [m, save] = args as [Tensor, tf.GradSaveFunc];
  const [b, n] = m.shape;
  const data = Float64Array.from(m.dataSync());
  const values = new Float32Array(b);
  for (let i = 0; i < b; i++) values[i] = logdetSpd(data.subarray(i * n * n, (i + 1) * n * n), n);
  save([m]);
  return {
    value: tf.tensor1d(values),
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const md = Float64Array.from(saved[0].dataSync());
      const inv = new Float32Array(b * n * n);
      for (let i = 0; i < b; i++) inv.set(inverseSpd(md.subarray(i * n * n, (i + 1) * n * n), n), i * n * n);
      return [tf.tensor3d(inv, [b, n, n]).mul((dy as Tensor).reshape([b, 1, 1]))];
    },
  };
}) as (m: Tensor) => Tensor;

/** ½ logdet(I + α AᵀA) per image for A = rowsᵀ (rows: [B, N, w]), on the smaller Gram matrix. */
function halfLogdetGram(rows: Tensor, alpha: number): Tensor {
  const [b, n, w] = rows.shape;
  const gram = n <= w ? tf.matMul(rows, rows, false, true) : tf.matMul(rows, rows, true, false);
  const m = Math.min(n, w);
  const eye = tf.eye(m).reshape([1, m, m]).tile([b, 1, 1]);
  return batchLogdet(eye.add(gram.mul(alpha))).mul(0.5);
}

/**
 * Rc(Z|U) − R(Z) per image, Z the MSSA input [B, N, d] and U_kᵀ the rows of `subspaces` [d, d]
 * (Wqkv), differentiable in both.
 */
export function rateReductionGap(z: Tensor, subspaces: Tensor, heads: number, eps = defaultCodingRateEps): Tensor {
  return tf.tidy(() => {
    const [b, n, d] = z.shape;
    const p = d / heads;
    const r = halfLogdetGram(z, d / (n * eps * eps));
    const projected = tf.matMul(z.reshape([b * n, d]), subspaces, false, true).reshape([b, n, d]);
    let rc = tf.zeros([b]);
    for (let k = 0; k < heads; k++) {
      const zk = projected.slice([0, 0, k * p], [b, n, p]);
      rc = rc.add(halfLogdetGram(zk, p / (n * eps * eps)));
    }
    return rc.sub(r);
  });
}
