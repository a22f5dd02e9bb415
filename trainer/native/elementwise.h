// Elementwise kernels of the addon (elementwise.c), split into parts for gemm.c's thread pool.
#ifndef CRATE_LAB_ELEMENTWISE_H
#define CRATE_LAB_ELEMENTWISE_H
#include <stddef.h>

enum binary_op { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_OP_COUNT };
enum unary_op { UN_NEG, UN_RELU, UN_SQUARE, UN_OP_COUNT };

// out[r][c] = op(big[r][c], small[…]) (or op(small[…], big[r][c]) when small_first), where
// small[…] is small[c] (one value per column: a [n] bias) or small[r] (one per row: a [..., 1] mean).
typedef struct {
  const float *big;
  const float *small;
  float *out;
  size_t rows;
  size_t n;
  int op;
  int small_per_row;
  int small_first;
} broadcast_job;

typedef struct {
  const float *in;
  float *out;
  size_t count;
  int op;
} unary_job;

void broadcast_part(void *ctx, int part, int parts);
void unary_part(void *ctx, int part, int parts);

#endif
