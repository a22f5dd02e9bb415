// logdet and inverse of a batch of SPD matrices with tensor ops only (no read back to the host),
// by in-place Gauss–Jordan elimination. Pivot k, with p = A[k, k], u column k and v row k
// without their pivot entries (ū, v̄), maps A to
//   A ⊙ (1 − e_k)(1 − e_k)ᵀ − (ū − e_k)(v̄ + e_k)ᵀ / p:
// the Schur complement elsewhere, v̄/p in row k, −ū/p in column k and 1/p on the diagonal. Row and
// column k are zeroed before the update rather than cancelled by it: pivots of I + αG reach
// thousands, where p − (p² − 1)/p loses every digit in float32. After n pivots A holds M⁻¹ and
// log det M = Σ log pᵢ, p being the pivots of the LU (= LDLᵀ) factorization. No pivoting is
// needed: every pivot of an SPD matrix is a Schur complement's diagonal entry, positive; here
// M = I + αG has pivots ≥ 1.
import { tf, type Tensor } from '../tf.js';

export function logdetAndInverse(m: Tensor): { logdet: Tensor; inverse: Tensor } {
  return tf.tidy(() => {
    const [b, n] = m.shape;
    let a = m;
    const pivots: Tensor[] = [];
    for (let k = 0; k < n; k++) {
      const e = tf.oneHot(k, n).toFloat();
      const others = tf.scalar(1).sub(e);
      const u = a.slice([0, 0, k], [b, n, 1]);
      const v = a.slice([0, k, 0], [b, 1, n]);
      const p = u.slice([0, k, 0], [b, 1, 1]);
      pivots.push(p);
      const left = u.mul(others.reshape([1, n, 1])).sub(e.reshape([1, n, 1])).div(p);
      const right = v.mul(others.reshape([1, 1, n])).add(e.reshape([1, 1, n]));
      const keep = others.reshape([1, n, 1]).mul(others.reshape([1, 1, n]));
      a = a.mul(keep).sub(tf.matMul(left, right));
    }
    const logdet = tf.concat(pivots, 1).reshape([b, n]).log().sum(1);
    return { logdet, inverse: a };
  });
}
