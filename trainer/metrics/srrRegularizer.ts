// The differentiable Rc − R of the SRR study's regularizer (docs/models.md, Metrics), a sum of ½ logdet(I + αG)
// over small Gram matrices G, with d logdet(M)/dM = M⁻¹. Where the host can read the backend's
// tensors synchronously (cpu, wasm, tensorflow) the logdets and inverses are evaluated in float64
// on the host; webgpu in Node cannot read synchronously (and a read would stall its queue), so
// there they are computed on the device by Gauss–Jordan elimination (gaussJordan.ts).
import { tf, type Tensor } from '../tf.js';
import { inverseSpd, logdetSpd } from './cholesky.js';
import { logdetAndInverse } from './gaussJordan.js';
import { defaultCodingRateEps } from './layerMetrics.js';

/** logdet of each SPD matrix in a [B, m, m] batch, in float64 on the host, with gradient M⁻¹ (M symmetric). */
export const batchLogdetOnHost = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
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

/** The same on the device, in float32: no read, so it suits webgpu. */
export const batchLogdetOnDevice = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
  const [m, save] = args as [Tensor, tf.GradSaveFunc];
  const [b] = m.shape;
  const { logdet, inverse } = logdetAndInverse(m);
  // M is symmetric up to rounding in its Gram product: the symmetric part of M⁻¹ is its gradient.
  save([inverse.add(inverse.transpose([0, 2, 1])).mul(0.5)]);
  return {
    value: logdet,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => [saved[0].mul((dy as Tensor).reshape([b, 1, 1]))],
  };
}) as (m: Tensor) => Tensor;

/** Backends whose tensors the host reads synchronously: they keep the float64 host path. */
const hostReadableBackends = new Set(['cpu', 'wasm', 'tensorflow']);

export function batchLogdet(m: Tensor): Tensor {
  return hostReadableBackends.has(tf.getBackend()) ? batchLogdetOnHost(m) : batchLogdetOnDevice(m);
}

/** ½ logdet(I + α AᵀA) per image for A = rowsᵀ (rows: [B, N, w]), on the smaller Gram matrix. */
function halfLogdetGram(rows: Tensor, alpha: number, logdet: (m: Tensor) => Tensor): Tensor {
  const [b, n, w] = rows.shape;
  const gram = n <= w ? tf.matMul(rows, rows, false, true) : tf.matMul(rows, rows, true, false);
  const m = Math.min(n, w);
  const eye = tf.eye(m).reshape([1, m, m]).tile([b, 1, 1]);
  return logdet(eye.add(gram.mul(alpha))).mul(0.5);
}

/**
 * Rc(Z|U) − R(Z) per image, Z the MSSA input [B, N, d] and U_kᵀ the rows of `subspaces` [d, d]
 * (Wqkv), differentiable in both. `logdet` defaults to the active backend's path.
 */
export function rateReductionGap(z: Tensor, subspaces: Tensor, heads: number, eps = defaultCodingRateEps, logdet: (m: Tensor) => Tensor = batchLogdet): Tensor {
  return tf.tidy(() => {
    const [b, n, d] = z.shape;
    const p = d / heads;
    const r = halfLogdetGram(z, d / (n * eps * eps), logdet);
    // All heads' U_kᵀZ as one batch [B·K, N, p]: one logdet call for the K subspaces, not K
    // (on the device each call is a sequence of kernels as long as the matrix).
    const projected = tf.matMul(z.reshape([b * n, d]), subspaces, false, true).reshape([b, n, heads, p]).transpose([0, 2, 1, 3]).reshape([b * heads, n, p]);
    const rc = halfLogdetGram(projected, p / (n * eps * eps), logdet).reshape([b, heads]).sum(1);
    return rc.sub(r);
  });
}
