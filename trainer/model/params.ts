import { tf, type Tensor } from '../tf.js';

/** Model parameters by official name (see parameters.ts). */
export type Params = Record<string, Tensor>;

/** torch.nn.Linear on rows: x Wᵀ (+ b), W stored [out, in] as in PyTorch. */
export function linear(x: Tensor, p: Params, prefix: string): Tensor {
  const y = tf.matMul(x, p[`${prefix}.weight`], false, true);
  const bias = p[`${prefix}.bias`];
  return bias ? y.add(bias) : y;
}

/** Host arrays (from a file or an initialiser) to tensors on the active backend. */
export function toParams(host: Map<string, { shape: number[]; data: Float32Array }>): Params {
  const p: Params = {};
  for (const [name, t] of host) p[name] = tf.tensor(t.data, t.shape, 'float32');
  return p;
}
