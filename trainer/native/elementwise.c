// Elementwise kernels on the wasm heap, for the cases tfjs-backend-wasm 4.22 runs slowly: binary
// ops where one operand repeats along rows or columns (LayerNorm's mean, scale and bias, and
// their gradients: ~1 ms a call there against ~0.1 ms for equal shapes) and the unary kernels of
// the ODL block's [tokens, 4d] codes (Neg, Relu, Square: 3–4× slower there).
//
// Each element is one IEEE single-precision operation, the same as tfjs's, so results are the
// same bits (binding.gyp turns off FMA contraction).
#include "elementwise.h"
#include "pool.h"

static inline float apply(int op, float x, float y) {
  switch (op) {
    case BIN_ADD: return x + y;
    case BIN_SUB: return x - y;
    case BIN_MUL: return x * y;
    default: return x / y;
  }
}

// One loop per (op, order) so that the compiler vectorises each.
#define ROW_LOOP(EXPR)                         \
  for (size_t c = 0; c < n; c++) {             \
    float x = big[c], y = small_row[c];        \
    out[c] = (EXPR);                           \
  }

static void broadcast_row(int op, int small_first, const float *big, const float *small_row, float *out, size_t n) {
  if (small_first) {
    switch (op) {
      case BIN_ADD: ROW_LOOP(y + x) break;
      case BIN_SUB: ROW_LOOP(y - x) break;
      case BIN_MUL: ROW_LOOP(y * x) break;
      default: ROW_LOOP(y / x) break;
    }
  } else {
    switch (op) {
      case BIN_ADD: ROW_LOOP(x + y) break;
      case BIN_SUB: ROW_LOOP(x - y) break;
      case BIN_MUL: ROW_LOOP(x * y) break;
      default: ROW_LOOP(x / y) break;
    }
  }
}

static void broadcast_scalar(int op, int small_first, const float *big, float s, float *out, size_t n) {
  for (size_t c = 0; c < n; c++) out[c] = small_first ? apply(op, s, big[c]) : apply(op, big[c], s);
}

void broadcast_part(void *ctx, int part, int parts) {
  const broadcast_job *j = (const broadcast_job *)ctx;
  size_t from, to;
  pool_share(j->rows, part, parts, &from, &to);
  for (size_t r = from; r < to; r++) {
    const float *big = j->big + r * j->n;
    float *out = j->out + r * j->n;
    if (j->small_per_row) broadcast_scalar(j->op, j->small_first, big, j->small[r], out, j->n);
    else broadcast_row(j->op, j->small_first, big, j->small, out, j->n);
  }
}

void unary_part(void *ctx, int part, int parts) {
  const unary_job *j = (const unary_job *)ctx;
  size_t from, to;
  pool_share(j->count, part, parts, &from, &to);
  const float *in = j->in;
  float *out = j->out;
  switch (j->op) {
    case UN_NEG:
      for (size_t i = from; i < to; i++) out[i] = -in[i];
      break;
    case UN_RELU:
      // as tfjs's: −0 gives +0, NaN passes through
      for (size_t i = from; i < to; i++) out[i] = in[i] <= 0.0f ? 0.0f : in[i];
      break;
    default:
      for (size_t i = from; i < to; i++) out[i] = in[i] * in[i];
      break;
  }
}
