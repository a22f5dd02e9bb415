// Dense symmetric positive-definite algebra in float64: the coding rates are logdets of
// I + αG with G a Gram matrix, which float32 loses digits on (docs/models.md asks for 1e-3 relative).

/** In-place lower Cholesky factor of the n×n row-major SPD matrix a; throws if not SPD. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j];
    for (let k = 0; k < j; k++) diag -= a[j * n + k] * a[j * n + k];
    if (!(diag > 0)) throw new Error(`matrix is not positive definite (pivot ${j} = ${diag})`);
    const ljj = Math.sqrt(diag);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
    for (let k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return a;
}

export function logdetSpd(a: Float64Array, n: number): number {
  const l = cholesky(Float64Array.from(a), n);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(l[i * n + i]);
  return 2 * s;
}

/** The inverse of an SPD matrix (the gradient of its logdet), via its Cholesky factor. */
export function inverseSpd(a: Float64Array, n: number): Float64Array {
  const l = cholesky(Float64Array.from(a), n);
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    // Solve L y = e_c, then Lᵀ x = y.
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * n + k] * col[k];
      col[i] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = col[i];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * inv[k * n + c];
      inv[i * n + c] = s / l[i * n + i];
    }
  }
  return inv;
}
