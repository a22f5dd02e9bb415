// MSSA's attention core, CRATE-α (Yang et al. 2024) eq. (5): for each example and subspace k, with
// w = (U_kᵀZ)ᵀ the N×p projections of the N tokens onto subspace k,
//
//   S = w wᵀ · scale,   A = softmax(S) row by row,   H = A w          (forward)
//
// and, given the gradients gH of the heads H and gA of the weights A (zeros unless A is used),
//
//   G  = gH wᵀ + gA                        (all that reaches A)
//   gS = A ⊙ (G − rowsum(G ⊙ A))           (softmax's Jacobian, one row at a time)
//   gw = Aᵀ gH + scale · (gS + gSᵀ) w      (H = A w, and S = w wᵀ uses w on both sides)
//
// The heads are read and written where they lie in the model's [B, N, K·p] layout (head k is
// columns kp … kp+p−1, a row stride of K·p), so the head split and join transposes of the
// composed ops (model/mssa.ts) never run. The attention weights come out as [B, K, N, N].
//
// Threads: the B·K (example, head) pairs are shared out over the pool; each pair is computed whole
// by one thread with single-threaded cblas_sgemm calls, so the result does not depend on the split.
#include "attention.h"
#include "napi_args.h"
#include "pool.h"
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const float *w;      // [B, N, K·p]
  const float *a;      // [B, K, N, N] (backward: the forward's weights)
  float *attention;    // [B, K, N, N] (forward)
  float *heads;        // [B, N, K·p] (forward)
  const float *d_heads;      // [B, N, K·p] (backward)
  const float *d_attention;  // [B, K, N, N] (backward)
  float *dw;           // [B, N, K·p] (backward)
  int batch, tokens, heads_count, head_dim;
  float scale;
  int failed;          // set by a part whose scratch allocation failed
} attention_job;

// A row of the softmax in place: subtract the row's maximum so that exp never overflows.
static void softmax_row(float *row, int n) {
  float max = row[0];
  for (int j = 1; j < n; j++)
    if (row[j] > max) max = row[j];
  float sum = 0.0f;
  for (int j = 0; j < n; j++) {
    row[j] = expf(row[j] - max);
    sum += row[j];
  }
  for (int j = 0; j < n; j++) row[j] /= sum;
}

static void forward_part(void *ctx, int part, int parts) {
  const attention_job *j = ctx;
  const int n = j->tokens, p = j->head_dim, k = j->heads_count, ld = k * p;
  size_t from, to;
  pool_share((size_t)j->batch * k, part, parts, &from, &to);
  for (size_t pair = from; pair < to; pair++) {
    size_t b = pair / k, h = pair % k;
    const float *w = j->w + b * n * ld + h * p;
    float *a = j->attention + pair * n * n;
    // S = w wᵀ · scale, then A = softmax(S), in the attention output.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, p, j->scale, w, ld, w, ld, 0.0f, a, n);
    for (int r = 0; r < n; r++) softmax_row(a + (size_t)r * n, n);
    // H = A w, into head h's columns of the joined heads.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, p, n, 1.0f, a, n, w, ld, 0.0f, j->heads + b * n * ld + h * p, ld);
  }
}

static void backward_part(void *ctx, int part, int parts) {
  attention_job *j = ctx;
  const int n = j->tokens, p = j->head_dim, k = j->heads_count, ld = k * p;
  size_t from, to;
  pool_share((size_t)j->batch * k, part, parts, &from, &to);
  if (from >= to) return;
  float *g = malloc((size_t)n * n * sizeof(float));  // G, then gS, for one pair at a time
  if (g == NULL) {
    j->failed = 1;
    return;
  }
  for (size_t pair = from; pair < to; pair++) {
    size_t b = pair / k, h = pair % k;
    const float *w = j->w + b * n * ld + h * p;
    const float *gh = j->d_heads + b * n * ld + h * p;
    const float *a = j->a + pair * n * n;
    float *dw = j->dw + b * n * ld + h * p;
    // G = gH wᵀ + gA
    memcpy(g, j->d_attention + pair * n * n, (size_t)n * n * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, p, 1.0f, gh, ld, w, ld, 1.0f, g, n);
    // gS = A ⊙ (G − rowsum(G ⊙ A))
    for (int r = 0; r < n; r++) {
      float *gr = g + (size_t)r * n;
      const float *ar = a + (size_t)r * n;
      float dot = 0.0f;
      for (int c = 0; c < n; c++) dot += gr[c] * ar[c];
      for (int c = 0; c < n; c++) gr[c] = ar[c] * (gr[c] - dot);
    }
    // gS + gSᵀ in place (symmetric), so that its product with w is one call instead of two.
    for (int r = 0; r < n; r++) {
      g[(size_t)r * n + r] *= 2.0f;
      for (int c = r + 1; c < n; c++) g[(size_t)r * n + c] = g[(size_t)c * n + r] = g[(size_t)r * n + c] + g[(size_t)c * n + r];
    }
    // gw = Aᵀ gH + scale · (gS + gSᵀ) w
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, p, n, 1.0f, a, n, gh, ld, 0.0f, dw, ld);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, p, n, j->scale, g, n, w, ld, 1.0f, dw, ld);
  }
  free(g);
}

// Reads the shape (batch, tokens, heads, headDim ≥ 1) and the scale from argv[0 … 4]. Offsets are
// read and checked by the callers, which know their tensors' sizes.
static int get_shape(napi_env env, napi_value *argv, attention_job *j) {
  double scale;
  if (!get_int(env, argv[0], 1, &j->batch) || !get_int(env, argv[1], 1, &j->tokens) || !get_int(env, argv[2], 1, &j->heads_count) ||
      !get_int(env, argv[3], 1, &j->head_dim) || !get_double(env, argv[4], &scale))
    return 0;
  if (!isfinite(scale)) return throw_error(env, "attention scale must be finite");
  j->scale = (float)scale;
  return 1;
}

static const float *region(uint8_t *heap, double offset) { return (const float *)(heap + (size_t)offset); }

napi_value subspace_attention(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv, "subspaceAttention(heap, wOffset, headsOffset, attentionOffset, batch, tokens, heads, headDim, scale)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  double w_offset, heads_offset, attention_offset;
  attention_job j = {0};
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_double(env, argv[1], &w_offset) || !get_double(env, argv[2], &heads_offset) ||
      !get_double(env, argv[3], &attention_offset) || !get_shape(env, argv + 4, &j))
    return NULL;
  size_t rows = (size_t)j.batch * j.tokens * j.heads_count * j.head_dim;
  size_t weights = (size_t)j.batch * j.heads_count * j.tokens * j.tokens;
  if (!check_region(env, w_offset, rows, heap_bytes) || !check_region(env, heads_offset, rows, heap_bytes) ||
      !check_region(env, attention_offset, weights, heap_bytes))
    return NULL;
  j.w = region(heap, w_offset);
  j.heads = (float *)region(heap, heads_offset);
  j.attention = (float *)region(heap, attention_offset);
  pool_run(forward_part, &j, (size_t)j.batch * j.heads_count < 2);
  return NULL;
}

napi_value subspace_attention_grad(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, "subspaceAttentionGrad(heap, wOffset, attentionOffset, dHeadsOffset, dAttentionOffset, dwOffset, batch, tokens, heads, headDim, scale)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  double offsets[5];  // w, attention, dHeads, dAttention, dw
  attention_job j = {0};
  if (!get_heap(env, argv[0], &heap, &heap_bytes)) return NULL;
  for (int i = 0; i < 5; i++)
    if (!get_double(env, argv[1 + i], &offsets[i])) return NULL;
  if (!get_shape(env, argv + 6, &j)) return NULL;
  size_t rows = (size_t)j.batch * j.tokens * j.heads_count * j.head_dim;
  size_t weights = (size_t)j.batch * j.heads_count * j.tokens * j.tokens;
  if (!check_region(env, offsets[0], rows, heap_bytes) || !check_region(env, offsets[1], weights, heap_bytes) ||
      !check_region(env, offsets[2], rows, heap_bytes) || !check_region(env, offsets[3], weights, heap_bytes) ||
      !check_region(env, offsets[4], rows, heap_bytes))
    return NULL;
  j.w = region(heap, offsets[0]);
  j.a = region(heap, offsets[1]);
  j.d_heads = region(heap, offsets[2]);
  j.d_attention = region(heap, offsets[3]);
  j.dw = (float *)region(heap, offsets[4]);
  pool_run(backward_part, &j, (size_t)j.batch * j.heads_count < 2);
  if (j.failed) throw_error(env, "out of memory for the attention gradient's scratch");
  return NULL;
}
