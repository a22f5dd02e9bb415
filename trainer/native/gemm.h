// One single-precision product for the fused blocks of the addon, spread over its thread pool:
// C = alpha·op(A)·op(B) + beta·C, row-major, op(A) m×k, op(B) k×n (cblas_sgemm's contract).
// C is cut into its two halves and those into row blocks at multiples of 96 rows (gemm.c), the
// same cuts on any number of threads, so results do not depend on the thread count.
#ifndef CRATE_LAB_GEMM_H
#define CRATE_LAB_GEMM_H

void gemm_parallel(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                   int ldb, float beta, float *c, int ldc);

#endif
