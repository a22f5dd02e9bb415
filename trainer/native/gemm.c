// Node-API addon: single-precision GEMM through OpenBLAS, run IN PLACE on the tfjs wasm heap,
// and the elementwise kernels of elementwise.c on the same heap and thread pool. Fused blocks
// keep their exported functions in their own files and are registered in NAPI_MODULE_INIT below
// (layerNorm.c: LayerNorm; attention.c: MSSA's attention core; odl.c: CRATE-α's ODL block; each
// with its gradient; adamw.c: an AdamW step of a parameter).
//
// The wasm backend keeps every tensor in one WebAssembly.Memory (a SharedArrayBuffer when wasm
// threads are on). JS passes a typed array over that memory plus byte offsets of A, B and C for
// each matrix of a batch; this file reads A and B and writes C where they already live, so no
// tensor data crosses the JS boundary.
//
// Threads: OpenBLAS is pinned to one thread and this file splits the work itself, over the batch
// for batched matmuls (attention: 192 small products) and over row blocks of C otherwise.
// Measured on 2 cores, OpenBLAS's own threading matches this on large products but runs each
// small attention product on one thread (89 against 165 GFLOP/s for 192 x 50x64x50).
#include <node_api.h>
#include <cblas.h>
#include "adamw.h"
#include "attention.h"
#include "elementwise.h"
#include "gemm.h"
#include "layerNorm.h"
#include "napi_args.h"
#include "odl.h"
#include "pool.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>

// Declared here rather than relied on from <cblas.h>: on Debian that header can be the netlib one.
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);

// ---------------------------------------------------------------------------------------------
// Batched GEMM: C_i = op(A_i) op(B_i), op(A_i) is m x k, op(B_i) is k x n, all row-major.

// Products are cut into row blocks of C that start at multiples of SPLIT_ALIGN rows, so that
// results do not depend on the thread count. Measured on Zen (OpenBLAS's Haswell kernels): a cut
// at a row not a multiple of 24 changed 10-30 % of the elements' last bits, a cut at a multiple of
// 24 none (96 is a multiple of the x86 kernels' unrolls, 16, 24 and 32); a cut between columns changed about half of
// them wherever it fell (OpenBLAS orders the sums by the width of the whole product), so columns
// are never cut.
#define SPLIT_ALIGN 96

// A product of at least 2 * SPLIT_ALIGN rows is always computed as two segments, [0, mid) and
// [mid, rows) with mid = rows / 2, whatever the thread count, and the blocks above start at
// multiples of SPLIT_ALIGN within a segment. So two threads get equal halves: with blocks alone,
// cifar's 1040 token rows split 480 / 560 and the ODL block ran ~4 % slower.
static int segment_middle(int rows) { return rows >= 2 * SPLIT_ALIGN ? rows / 2 : 0; }

// The first row of block `unit`, counting the blocks of [0, mid) and then those of [mid, rows).
static int unit_row(int unit, int rows, int mid) {
  int before = (mid + SPLIT_ALIGN - 1) / SPLIT_ALIGN;
  long long row = unit <= before ? (long long)unit * SPLIT_ALIGN : mid + (long long)(unit - before) * SPLIT_ALIGN;
  int end = unit <= before ? mid : rows;
  return row < end ? (int)row : end;
}

// The rows [from, to) that part `part` of `parts` computes: whole blocks, spread evenly.
static void row_share(int rows, int part, int parts, int *from, int *to) {
  int mid = segment_middle(rows);
  int units = (mid + SPLIT_ALIGN - 1) / SPLIT_ALIGN + (rows - mid + SPLIT_ALIGN - 1) / SPLIT_ALIGN;
  *from = unit_row((int)((long long)units * part / parts), rows, mid);
  *to = unit_row((int)((long long)units * (part + 1) / parts), rows, mid);
}

// One product, C = alpha·op(A)·op(B) + beta·C (cblas_sgemm's contract, row-major).
typedef struct {
  int trans_a, trans_b, m, n, k, lda, ldb, ldc;
  float alpha, beta;
  const float *a, *b;
  float *c;
} product_job;

// Rows [from, to) of the product, one cblas call per segment they cross.
static void product_rows(const product_job *p, int from, int to) {
  int mid = segment_middle(p->m);
  if (from < mid && mid < to) {
    product_rows(p, from, mid);
    from = mid;
  }
  if (to <= from) return;
  float *c = p->c + (size_t)from * p->ldc;
  if (p->k == 0) {
    for (int r = 0; r < to - from; r++) {
      float *row = c + (size_t)r * p->ldc;
      for (int col = 0; col < p->n; col++) row[col] = p->beta == 0.0f ? 0.0f : p->beta * row[col];
    }
    return;
  }
  const float *a = p->trans_a ? p->a + from : p->a + (size_t)from * p->lda;
  cblas_sgemm(CblasRowMajor, p->trans_a ? CblasTrans : CblasNoTrans, p->trans_b ? CblasTrans : CblasNoTrans, to - from,
              p->n, p->k, p->alpha, a, p->lda, p->b, p->ldb, p->beta, c, p->ldc);
}

typedef struct {
  uint8_t *heap;
  const double *offsets;  // [a0, b0, c0, a1, b1, c1, ...] byte offsets into heap
  size_t batch;
  int m, n, k, trans_a, trans_b;
  int splits;  // each product is cut into this many row blocks of C
} gemm_job;

static void gemm_slice(const gemm_job *j, size_t index, int slice) {
  int m = j->m, n = j->n, k = j->k;
  product_job p = {j->trans_a, j->trans_b, m, n, k, j->trans_a ? m : k, j->trans_b ? k : n, n, 1.0f, 0.0f,
                   (const float *)(j->heap + (size_t)j->offsets[3 * index]),
                   (const float *)(j->heap + (size_t)j->offsets[3 * index + 1]),
                   (float *)(j->heap + (size_t)j->offsets[3 * index + 2])};
  int from, to;
  row_share(m, slice, j->splits, &from, &to);
  product_rows(&p, from, to);
}

static void gemm_part(void *ctx, int part, int parts) {
  const gemm_job *j = (const gemm_job *)ctx;
  size_t units = j->batch * (size_t)j->splits;
  size_t from, to;
  pool_share(units, part, parts, &from, &to);
  for (size_t u = from; u < to; u++) gemm_slice(j, u / (size_t)j->splits, (int)(u % (size_t)j->splits));
}

static size_t gcd(size_t x, size_t y) {
  while (y != 0) {
    size_t t = x % y;
    x = y;
    y = t;
  }
  return x;
}

// Slices per product so that batch * slices spreads evenly over the threads.
static void plan_splits(gemm_job *j, int threads) {
  j->splits = 1;
  if (threads <= 1) return;
  size_t want = (size_t)threads / gcd(j->batch, (size_t)threads);
  while (want > 1 && (size_t)j->m < want * SPLIT_ALIGN) want--;
  j->splits = (int)want;
}

// One product for the fused blocks (gemm.h), cut into row blocks of C over the pool.

static void product_part(void *ctx, int part, int parts) {
  const product_job *p = (const product_job *)ctx;
  int from, to;
  row_share(p->m, part, parts, &from, &to);
  product_rows(p, from, to);
}

void gemm_parallel(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
                   int ldb, float beta, float *c, int ldc) {
  if (m == 0 || n == 0) return;
  product_job p = {trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c};
  // Products under ~64k multiply-adds cost more split than whole.
  int serial = (double)m * n * (k > 0 ? k : 1) < 65536.0 || m < 2 * SPLIT_ALIGN;
  pool_run(product_part, &p, serial);
}

// ---------------------------------------------------------------------------------------------
// Epilogue of a fused matmul: C = act(C + bias), bias and prelu weights broadcast along rows.

enum activation { ACT_LINEAR, ACT_RELU, ACT_RELU6, ACT_PRELU, ACT_LEAKYRELU, ACT_SIGMOID, ACT_ELU };

typedef struct {
  float *c;
  size_t rows;
  int n;
  const float *bias;  // NULL, or bias_len values (1 or n)
  int bias_len;
  int act;
  const float *prelu;  // NULL, or prelu_len values (1 or n)
  int prelu_len;
  float leaky_alpha;
} epilogue_job;

static inline float activate(int act, float x, float alpha) {
  switch (act) {
    case ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case ACT_PRELU:
    case ACT_LEAKYRELU: return x < 0.0f ? alpha * x : x;
    case ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case ACT_ELU: return x > 0.0f ? x : expf(x) - 1.0f;
    default: return x;
  }
}

static void epilogue_part(void *ctx, int part, int parts) {
  const epilogue_job *e = (const epilogue_job *)ctx;
  size_t from, to;
  pool_share(e->rows, part, parts, &from, &to);
  for (size_t r = from; r < to; r++) {
    float *row = e->c + r * (size_t)e->n;
    for (int col = 0; col < e->n; col++) {
      float x = row[col];
      if (e->bias != NULL) x += e->bias[e->bias_len == 1 ? 0 : col];
      float alpha = e->act == ACT_PRELU ? e->prelu[e->prelu_len == 1 ? 0 : col] : e->leaky_alpha;
      row[col] = activate(e->act, x, alpha);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Exported functions.

// sgemmBatch(heap, offsets, m, n, k, transA, transB): undefined
static napi_value sgemm_batch(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "sgemmBatch(heap, offsets, m, n, k, transA, transB)")) return NULL;
  gemm_job j;
  size_t heap_bytes, offsets_len;
  if (!get_heap(env, argv[0], &j.heap, &heap_bytes) || !get_float64s(env, argv[1], &j.offsets, &offsets_len) ||
      !get_int(env, argv[2], 0, &j.m) || !get_int(env, argv[3], 0, &j.n) || !get_int(env, argv[4], 0, &j.k) ||
      !get_flag(env, argv[5], &j.trans_a) || !get_flag(env, argv[6], &j.trans_b))
    return NULL;
  if (offsets_len % 3 != 0) {
    throw_error(env, "offsets must hold (a, b, c) triples");
    return NULL;
  }
  j.batch = offsets_len / 3;
  size_t a_count = (size_t)j.m * j.k, b_count = (size_t)j.k * j.n, c_count = (size_t)j.m * j.n;
  for (size_t i = 0; i < j.batch; i++) {
    if (!check_region(env, j.offsets[3 * i], a_count, heap_bytes) ||
        !check_region(env, j.offsets[3 * i + 1], b_count, heap_bytes) ||
        !check_region(env, j.offsets[3 * i + 2], c_count, heap_bytes))
      return NULL;
  }
  if (c_count == 0 || j.batch == 0) return NULL;
  plan_splits(&j, pool_threads);
  // Below ~64k multiply-adds a thread hand-off costs more than it saves.
  double work = (double)j.batch * j.m * j.n * (j.k > 0 ? j.k : 1);
  pool_run(gemm_part, &j, work < 65536.0);
  return NULL;
}

// biasActivation(heap, cOffset, rows, n, biasOffset, biasLen, activation, preluOffset, preluLen, leakyAlpha)
// biasOffset / preluOffset < 0 mean "none".
static napi_value bias_activation(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv, "biasActivation(heap, cOffset, rows, n, biasOffset, biasLen, activation, preluOffset, preluLen, leakyAlpha)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  double c_offset, bias_offset, prelu_offset, leaky;
  int rows;
  epilogue_job e;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_double(env, argv[1], &c_offset) ||
      !get_int(env, argv[2], 0, &rows) || !get_int(env, argv[3], 0, &e.n) || !get_double(env, argv[4], &bias_offset) ||
      !get_int(env, argv[5], 0, &e.bias_len) || !get_int(env, argv[6], 0, &e.act) ||
      !get_double(env, argv[7], &prelu_offset) || !get_int(env, argv[8], 0, &e.prelu_len) ||
      !get_double(env, argv[9], &leaky))
    return NULL;
  if (e.act > ACT_ELU) {
    throw_error(env, "unknown activation code");
    return NULL;
  }
  e.rows = (size_t)rows;
  if (!check_region(env, c_offset, e.rows * (size_t)e.n, heap_bytes)) return NULL;
  e.c = (float *)(heap + (size_t)c_offset);
  e.bias = NULL;
  e.prelu = NULL;
  if (bias_offset >= 0) {
    if (e.bias_len != 1 && e.bias_len != e.n) {
      throw_error(env, "bias must have 1 or n values");
      return NULL;
    }
    if (!check_region(env, bias_offset, (size_t)e.bias_len, heap_bytes)) return NULL;
    e.bias = (const float *)(heap + (size_t)bias_offset);
  }
  if (e.act == ACT_PRELU) {
    if (prelu_offset < 0 || (e.prelu_len != 1 && e.prelu_len != e.n)) {
      throw_error(env, "prelu weights must have 1 or n values");
      return NULL;
    }
    if (!check_region(env, prelu_offset, (size_t)e.prelu_len, heap_bytes)) return NULL;
    e.prelu = (const float *)(heap + (size_t)prelu_offset);
  }
  e.leaky_alpha = (float)leaky;
  pool_run(epilogue_part, &e, e.rows * (size_t)e.n < 65536);
  return NULL;
}

// Below this many elements a thread hand-off costs more than the loop.
#define ELEMENTWISE_SERIAL_BELOW 32768

// binaryBroadcast(heap, op, bigOffset, smallOffset, outOffset, rows, n, smallPerRow, smallFirst)
static napi_value binary_broadcast(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!get_args(env, info, 9, argv, "binaryBroadcast(heap, op, bigOffset, smallOffset, outOffset, rows, n, smallPerRow, smallFirst)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  double big_offset, small_offset, out_offset;
  int rows, n;
  broadcast_job j;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_int(env, argv[1], 0, &j.op) ||
      !get_double(env, argv[2], &big_offset) || !get_double(env, argv[3], &small_offset) ||
      !get_double(env, argv[4], &out_offset) || !get_int(env, argv[5], 0, &rows) || !get_int(env, argv[6], 0, &n) ||
      !get_flag(env, argv[7], &j.small_per_row) || !get_flag(env, argv[8], &j.small_first))
    return NULL;
  if (j.op >= BIN_OP_COUNT) {
    throw_error(env, "unknown binary op code");
    return NULL;
  }
  j.rows = (size_t)rows;
  j.n = (size_t)n;
  size_t count = j.rows * j.n;
  if (!check_region(env, big_offset, count, heap_bytes) || !check_region(env, out_offset, count, heap_bytes) ||
      !check_region(env, small_offset, j.small_per_row ? j.rows : j.n, heap_bytes))
    return NULL;
  j.big = (const float *)(heap + (size_t)big_offset);
  j.small = (const float *)(heap + (size_t)small_offset);
  j.out = (float *)(heap + (size_t)out_offset);
  if (count > 0) pool_run(broadcast_part, &j, count < ELEMENTWISE_SERIAL_BELOW);
  return NULL;
}

// unary(heap, op, inOffset, outOffset, count)
static napi_value unary(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "unary(heap, op, inOffset, outOffset, count)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes;
  double in_offset, out_offset, count;
  unary_job j;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_int(env, argv[1], 0, &j.op) ||
      !get_double(env, argv[2], &in_offset) || !get_double(env, argv[3], &out_offset) || !get_double(env, argv[4], &count))
    return NULL;
  if (j.op >= UN_OP_COUNT) {
    throw_error(env, "unknown unary op code");
    return NULL;
  }
  if (!(count >= 0) || count != floor(count)) {
    throw_error(env, "bad element count");
    return NULL;
  }
  j.count = (size_t)count;
  if (!check_region(env, in_offset, j.count, heap_bytes) || !check_region(env, out_offset, j.count, heap_bytes)) return NULL;
  j.in = (const float *)(heap + (size_t)in_offset);
  j.out = (float *)(heap + (size_t)out_offset);
  if (j.count > 0) pool_run(unary_part, &j, j.count < ELEMENTWISE_SERIAL_BELOW);
  return NULL;
}

// setThreads(n): number of threads now in use
static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  int threads;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 || !get_int(env, argv[0], 1, &threads))
    return NULL;
  napi_create_int32(env, pool_resize(threads), &result);
  return result;
}

// describe(): e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64, 2 threads"
static napi_value describe(napi_env env, napi_callback_info info) {
  (void)info;
  char text[512];
  snprintf(text, sizeof text, "%s, %d thread%s", openblas_get_config(), pool_threads, pool_threads == 1 ? "" : "s");
  napi_value result;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result);
  return result;
}

NAPI_MODULE_INIT() {
  // Threads come from the pool above; OpenBLAS threads would oversubscribe the cores.
  openblas_set_num_threads(1);
  if (!export_function(env, exports, "sgemmBatch", sgemm_batch) ||
      !export_function(env, exports, "biasActivation", bias_activation) ||
      !export_function(env, exports, "binaryBroadcast", binary_broadcast) ||
      !export_function(env, exports, "unary", unary) ||
      !export_function(env, exports, "layerNorm", layer_norm) ||
      !export_function(env, exports, "layerNormGrad", layer_norm_grad) ||
      !export_function(env, exports, "subspaceAttention", subspace_attention) ||
      !export_function(env, exports, "subspaceAttentionGrad", subspace_attention_grad) ||
      !export_function(env, exports, "crateOdl", crate_odl) ||
      !export_function(env, exports, "crateOdlGrad", crate_odl_grad) ||
      !export_function(env, exports, "adamW", adam_w) ||
      !export_function(env, exports, "setThreads", set_threads) ||
      !export_function(env, exports, "describe", describe))
    return NULL;
  return exports;
}
