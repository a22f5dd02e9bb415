// The §4 coding rates computed the direct way, independently of trainer/metrics: the N×N matrix
// I + α ZᵀZ always (never the smaller Gram matrix), logdet by Gaussian elimination with pivoting.

function logdet(a: number[][]): number {
  const m = a.map((r) => r.slice());
  const n = m.length;
  let s = 0;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    s += Math.log(Math.abs(m[c][c]));
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return s;
}

/** ½ logdet(I + α AᵀA) with A's columns the vectors `cols`. */
function halfLogdetTokens(cols: ArrayLike<number>[], alpha: number): number {
  const g = cols.map((a, i) => cols.map((b, j) => {
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k] * b[k];
    return alpha * s + (i === j ? 1 : 0);
  }));
  return 0.5 * logdet(g);
}

export function naiveR(tokens: ArrayLike<number>[], eps: number): number {
  const d = tokens[0].length;
  return halfLogdetTokens(tokens, d / (tokens.length * eps * eps));
}

/** Rc with U_kᵀ = rows kp…(k+1)p−1 of the row-major d×d matrix `wqkv`. */
export function naiveRc(tokens: ArrayLike<number>[], wqkv: Float32Array, heads: number, eps: number): number {
  const d = tokens[0].length;
  const p = d / heads;
  let sum = 0;
  for (let k = 0; k < heads; k++) {
    const projected = tokens.map((z) => Array.from({ length: p }, (_, r) => {
      let s = 0;
      for (let c = 0; c < d; c++) s += wqkv[(k * p + r) * d + c] * z[c];
      return s;
    }));
    sum += halfLogdetTokens(projected, p / (tokens.length * eps * eps));
  }
  return sum;
}
