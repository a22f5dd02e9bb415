// logdet and inverse of a batch of SPD matrices with tensor ops only (no read back to the host),
// by in-place Gauss–Jordan elimination: pivot k maps A to A − (u − e_k)(v + e_k)ᵀ / p, where u
// is column k, v row k and p = A[k, k], the k-th pivot of the LU (= LDLᵀ) factorization. After n
// pivots A holds M⁻¹ and log det M = Σ log pᵢ. No pivoting is needed: every pivot of an SPD
// matrix is a Schur complement's diagonal entry, positive; here M = I + αG has pivots ≥ 1.
import { tf, type Tensor } from '../tf.js';

export function logdetAndInverse(m: Tensor): { logdet: Tensor; inverse: Tensor } {
  return tf.tidy(() => {
    const [b, n] = m.shape;
    let a = m;
    const pivots: Tensor[] = [];
    for (let k = 0; k < n; k++) {
      const e = tf.oneHot(k, n).toFloat();
      const u = a.slice([0, 0, k], [b, n, 1]);
      const v = a.slice([0, k, 0], [b, 1, n]);
      const p = u.slice([0, k, 0], [b, 1, 1]);
      pivots.push(p);
      a = a.sub(tf.matMul(u.sub(e.reshape([1, n, 1])).div(p), v.add(e.reshape([1, 1, n]))));
    }
    const logdet = tf.concat(pivots, 1).reshape([b, n]).log().sum(1);
    return { logdet, inverse: a };
  });
}
