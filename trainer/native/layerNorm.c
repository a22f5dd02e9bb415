// LayerNorm (Ba et al. 2016, as torch.nn.LayerNorm) as one kernel, and its gradient as another.
// CRATE-α (Yang et al. 2024) normalises the stream before each block, eq. (3):
// Z^{ℓ+1/2} = Z^ℓ + MSSA(LN(Z^ℓ)), and eq. (12): Z^{ℓ+1} = Z^{ℓ+1/2} + ODL(LN(Z^{ℓ+1/2})), and
// once more before the head. Composed in tfjs this is ~20 small kernels with broadcasts per call
// and about as many for its gradient (issue 17's profile: ~13 ms a call at [750, 192]); here it
// is one pass over the rows each way.
//
// For a row x of n values (trainer/model/layerNorm.ts writes the same equations in tfjs ops):
//   μ = Σ x / n,  σ² = Σ (x − μ)² / n (biased, two passes),  rstd = 1 / √(σ² + ε),
//   x̂ = (x − μ)·rstd,  y = x̂·w + b.
// Its gradient for dy = ∂L/∂y:
//   ∂L/∂b = Σ_rows dy,  ∂L/∂w = Σ_rows dy ⊙ x̂,  g = dy ⊙ w,
//   ∂L/∂x = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂))   (per row).
//
// Numerics: each step is the float32 operation tfjs's composed ops do, in their order (sums run
// left to right in float, as tfjs-backend-wasm's Mean), so the forward output is tfjs's to the
// bit where its sums are sequential. Every result is deterministic: rows are independent, and the
// column sums of ∂L/∂w and ∂L/∂b add fixed chunks of CHUNK_ROWS rows, then the chunk sums in
// order, however the chunks are spread over the threads.
#include "layerNorm.h"
#include "napi_args.h"
#include "pool.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Rows per partial column sum of the weight and bias gradients (a fixed size: determinism).
#define CHUNK_ROWS 32
// Below this many elements one thread is faster than waking the pool.
#define LAYER_NORM_SERIAL_BELOW 32768

typedef struct {
  const float *x, *w, *b;
  float *y, *mean, *rstd;
  size_t rows, n;
  float eps;
} forward_job;

// Each row's sums run left to right in float (tfjs's order); ROWS_AT_ONCE rows are summed side by
// side so that their dependency chains overlap (each row's sum is unchanged, so are its bits).
#define ROWS_AT_ONCE 4

// Rows [r, r + k), k ≤ ROWS_AT_ONCE: their means and rstds, then y.
static void forward_rows(const forward_job *j, size_t r, size_t k) {
  const size_t n = j->n;
  const float *x = j->x + r * n, *w = j->w, *b = j->b;
  float sum[ROWS_AT_ONCE] = {0}, squares[ROWS_AT_ONCE] = {0}, mu[ROWS_AT_ONCE], rstd[ROWS_AT_ONCE];
  for (size_t c = 0; c < n; c++)
    for (size_t i = 0; i < k; i++) sum[i] += x[i * n + c];
  for (size_t i = 0; i < k; i++) mu[i] = sum[i] / (float)n;
  for (size_t c = 0; c < n; c++)
    for (size_t i = 0; i < k; i++) {
      const float d = x[i * n + c] - mu[i];
      squares[i] += d * d;
    }
  for (size_t i = 0; i < k; i++) {
    rstd[i] = 1.0f / sqrtf(squares[i] / (float)n + j->eps);
    j->mean[r + i] = mu[i];
    j->rstd[r + i] = rstd[i];
    const float *xi = x + i * n;
    float *y = j->y + (r + i) * n;
    for (size_t c = 0; c < n; c++) y[c] = (xi[c] - mu[i]) * rstd[i] * w[c] + b[c];
  }
}

static void forward_part(void *ctx, int part, int parts) {
  const forward_job *j = (const forward_job *)ctx;
  size_t from, to;
  pool_share(j->rows, part, parts, &from, &to);
  for (size_t r = from; r < to; r += ROWS_AT_ONCE) forward_rows(j, r, to - r < ROWS_AT_ONCE ? to - r : ROWS_AT_ONCE);
}

typedef struct {
  const float *dy, *x, *w, *mean, *rstd;
  float *dx;
  // Per chunk of CHUNK_ROWS rows, its column sums of dy ⊙ x̂ and of dy: [chunks][n] each.
  float *dw_chunks, *db_chunks;
  size_t rows, n, chunks;
} backward_job;

static void backward_part(void *ctx, int part, int parts) {
  const backward_job *j = (const backward_job *)ctx;
  const size_t n = j->n;
  const float *w = j->w;
  size_t from, to;
  pool_share(j->chunks, part, parts, &from, &to);
  for (size_t k = from; k < to; k++) {
    float *dw = j->dw_chunks + k * n, *db = j->db_chunks + k * n;
    memset(dw, 0, n * sizeof(float));
    memset(db, 0, n * sizeof(float));
    const size_t last = (k + 1) * CHUNK_ROWS < j->rows ? (k + 1) * CHUNK_ROWS : j->rows;
    for (size_t r = k * CHUNK_ROWS; r < last; r++) {
      const float *dy = j->dy + r * n, *x = j->x + r * n;
      float *dx = j->dx + r * n;
      const float mu = j->mean[r], rstd = j->rstd[r];
      // x̂ is recomputed with the forward's operations, so it is the forward's x̂ to the bit.
      float sum_g = 0.0f, sum_gx = 0.0f;
      for (size_t c = 0; c < n; c++) {
        const float xhat = (x[c] - mu) * rstd;
        const float g = dy[c] * w[c];
        sum_g += g;
        sum_gx += g * xhat;
        dw[c] += dy[c] * xhat;
        db[c] += dy[c];
      }
      const float mean_g = sum_g / (float)n, mean_gx = sum_gx / (float)n;
      for (size_t c = 0; c < n; c++) {
        const float xhat = (x[c] - mu) * rstd;
        dx[c] = rstd * (dy[c] * w[c] - mean_g - xhat * mean_gx);
      }
    }
  }
}

// Byte offsets → float pointers, each region checked against the heap first.
static int get_region(napi_env env, napi_value value, uint8_t *heap, size_t heap_bytes, size_t count, float **out) {
  double offset;
  if (!get_double(env, value, &offset) || !check_region(env, offset, count, heap_bytes)) return 0;
  *out = (float *)(heap + (size_t)offset);
  return 1;
}

napi_value layer_norm(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv, "layerNorm(heap, xOffset, weightOffset, biasOffset, yOffset, meanOffset, rstdOffset, rows, n, eps)"))
    return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  int rows, n;
  double eps;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_int(env, argv[7], 0, &rows) || !get_int(env, argv[8], 1, &n) ||
      !get_double(env, argv[9], &eps))
    return NULL;
  if (!(eps >= 0)) {
    throw_error(env, "LayerNorm eps must be a number ≥ 0");
    return NULL;
  }
  forward_job j = {.rows = (size_t)rows, .n = (size_t)n, .eps = (float)eps};
  const size_t count = j.rows * j.n;
  float *x, *w, *b;
  if (!get_region(env, argv[1], heap, heap_bytes, count, &x) || !get_region(env, argv[2], heap, heap_bytes, j.n, &w) ||
      !get_region(env, argv[3], heap, heap_bytes, j.n, &b) || !get_region(env, argv[4], heap, heap_bytes, count, &j.y) ||
      !get_region(env, argv[5], heap, heap_bytes, j.rows, &j.mean) ||
      !get_region(env, argv[6], heap, heap_bytes, j.rows, &j.rstd))
    return NULL;
  j.x = x;
  j.w = w;
  j.b = b;
  if (count > 0) pool_run(forward_part, &j, count < LAYER_NORM_SERIAL_BELOW);
  return NULL;
}

napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv,
                "layerNormGrad(heap, dyOffset, xOffset, weightOffset, meanOffset, rstdOffset, dxOffset, dwOffset, dbOffset, rows, n)"))
    return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  int rows, n;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_int(env, argv[9], 0, &rows) || !get_int(env, argv[10], 1, &n))
    return NULL;
  backward_job j = {.rows = (size_t)rows, .n = (size_t)n};
  j.chunks = (j.rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
  const size_t count = j.rows * j.n;
  float *dy, *x, *w, *mean, *rstd, *dw, *db;
  if (!get_region(env, argv[1], heap, heap_bytes, count, &dy) || !get_region(env, argv[2], heap, heap_bytes, count, &x) ||
      !get_region(env, argv[3], heap, heap_bytes, j.n, &w) || !get_region(env, argv[4], heap, heap_bytes, j.rows, &mean) ||
      !get_region(env, argv[5], heap, heap_bytes, j.rows, &rstd) || !get_region(env, argv[6], heap, heap_bytes, count, &j.dx) ||
      !get_region(env, argv[7], heap, heap_bytes, j.n, &dw) || !get_region(env, argv[8], heap, heap_bytes, j.n, &db))
    return NULL;
  j.dy = dy;
  j.x = x;
  j.w = w;
  j.mean = mean;
  j.rstd = rstd;
  memset(dw, 0, j.n * sizeof(float));
  memset(db, 0, j.n * sizeof(float));
  if (count == 0) return NULL;
  float *partials = malloc(2 * j.chunks * j.n * sizeof(float));
  if (partials == NULL) {
    throw_error(env, "out of memory for LayerNorm's gradient");
    return NULL;
  }
  j.dw_chunks = partials;
  j.db_chunks = partials + j.chunks * j.n;
  pool_run(backward_part, &j, count < LAYER_NORM_SERIAL_BELOW);
  // The chunk sums, added in chunk order.
  for (size_t k = 0; k < j.chunks; k++) {
    const float *dw_k = j.dw_chunks + k * j.n, *db_k = j.db_chunks + k * j.n;
    for (size_t c = 0; c < j.n; c++) {
      dw[c] += dw_k[c];
      db[c] += db_k[c];
    }
  }
  free(partials);
  return NULL;
}
