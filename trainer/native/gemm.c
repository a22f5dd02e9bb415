// Node-API addon: single-precision GEMM through OpenBLAS, run IN PLACE on the tfjs wasm heap,
// and the elementwise kernels of elementwise.c on the same heap and thread pool.
//
// The wasm backend keeps every tensor in one WebAssembly.Memory (a SharedArrayBuffer when wasm
// threads are on). JS passes a typed array over that memory plus byte offsets of A, B and C for
// each matrix of a batch; this file reads A and B and writes C where they already live, so no
// tensor data crosses the JS boundary.
//
// Threads: OpenBLAS is pinned to one thread and this file splits the work itself, over the batch
// for batched matmuls (attention: 192 small products) and over rows or columns of C otherwise.
// Measured on 2 cores, OpenBLAS's own threading matches this on large products but runs each
// small attention product on one thread (89 against 165 GFLOP/s for 192 x 50x64x50).
#include <node_api.h>
#include <cblas.h>
#include "elementwise.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

// Declared here rather than relied on from <cblas.h>: on Debian that header can be the netlib one.
void openblas_set_num_threads(int num_threads);
char *openblas_get_config(void);

#define MAX_THREADS 64

// ---------------------------------------------------------------------------------------------
// A minimal fork-join pool: the calling thread runs part 0, workers run parts 1..threads-1.

typedef void (*part_fn)(void *ctx, int part, int parts);

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_start = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
// Serialises jobs when the addon is used from several JS threads (worker_threads).
static pthread_mutex_t pool_busy = PTHREAD_MUTEX_INITIALIZER;
static pthread_t pool_workers[MAX_THREADS];
static int pool_threads = 1;
static unsigned long pool_generation = 0;
static int pool_pending = 0;
static int pool_stopping = 0;
// Generation at which the current workers were started; they wait for the next one.
static unsigned long pool_born = 0;
static part_fn pool_fn = NULL;
static void *pool_ctx = NULL;

static void *pool_worker(void *arg) {
  int part = (int)(intptr_t)arg;
  pthread_mutex_lock(&pool_mutex);
  unsigned long seen = pool_born;
  for (;;) {
    while (pool_generation == seen && !pool_stopping) pthread_cond_wait(&pool_start, &pool_mutex);
    if (pool_stopping) break;
    seen = pool_generation;
    part_fn fn = pool_fn;
    void *ctx = pool_ctx;
    int parts = pool_threads;
    pthread_mutex_unlock(&pool_mutex);
    fn(ctx, part, parts);
    pthread_mutex_lock(&pool_mutex);
    if (--pool_pending == 0) pthread_cond_signal(&pool_done);
  }
  pthread_mutex_unlock(&pool_mutex);
  return NULL;
}

static void pool_stop(void) {
  pthread_mutex_lock(&pool_mutex);
  pool_stopping = 1;
  pthread_cond_broadcast(&pool_start);
  pthread_mutex_unlock(&pool_mutex);
  for (int i = 1; i < pool_threads; i++) pthread_join(pool_workers[i], NULL);
  pool_stopping = 0;
  pool_threads = 1;
}

// Returns the number of threads actually running (fewer if pthread_create fails).
static int pool_resize(int threads) {
  if (threads < 1) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  pthread_mutex_lock(&pool_busy);
  if (threads != pool_threads) {
    pool_stop();
    int started = 1;
    pthread_mutex_lock(&pool_mutex);
    pool_born = pool_generation;
    for (int i = 1; i < threads; i++) {
      if (pthread_create(&pool_workers[i], NULL, pool_worker, (void *)(intptr_t)i) != 0) break;
      started++;
    }
    pool_threads = started;
    pthread_mutex_unlock(&pool_mutex);
  }
  int now = pool_threads;
  pthread_mutex_unlock(&pool_busy);
  return now;
}

static void pool_run(part_fn fn, void *ctx, int serial) {
  pthread_mutex_lock(&pool_busy);
  if (serial || pool_threads == 1) {
    fn(ctx, 0, 1);
    pthread_mutex_unlock(&pool_busy);
    return;
  }
  pthread_mutex_lock(&pool_mutex);
  pool_fn = fn;
  pool_ctx = ctx;
  pool_pending = pool_threads - 1;
  pool_generation++;
  pthread_cond_broadcast(&pool_start);
  int parts = pool_threads;
  pthread_mutex_unlock(&pool_mutex);
  fn(ctx, 0, parts);
  pthread_mutex_lock(&pool_mutex);
  while (pool_pending > 0) pthread_cond_wait(&pool_done, &pool_mutex);
  pthread_mutex_unlock(&pool_mutex);
  pthread_mutex_unlock(&pool_busy);
}

// ---------------------------------------------------------------------------------------------
// Batched GEMM: C_i = op(A_i) op(B_i), op(A_i) is m x k, op(B_i) is k x n, all row-major.

typedef struct {
  uint8_t *heap;
  const double *offsets;  // [a0, b0, c0, a1, b1, c1, ...] byte offsets into heap
  size_t batch;
  int m, n, k, trans_a, trans_b;
  int splits;      // each product is cut into this many slices of C
  int split_rows;  // slices are row blocks (else column blocks)
} gemm_job;

static void gemm_slice(const gemm_job *j, size_t index, int slice) {
  const float *a = (const float *)(j->heap + (size_t)j->offsets[3 * index]);
  const float *b = (const float *)(j->heap + (size_t)j->offsets[3 * index + 1]);
  float *c = (float *)(j->heap + (size_t)j->offsets[3 * index + 2]);
  int m = j->m, n = j->n, k = j->k;
  int lda = j->trans_a ? m : k, ldb = j->trans_b ? k : n, ldc = n;
  if (j->splits > 1) {
    int extent = j->split_rows ? m : n;
    int from = (int)((long long)extent * slice / j->splits);
    int to = (int)((long long)extent * (slice + 1) / j->splits);
    if (to <= from) return;
    if (j->split_rows) {
      a += j->trans_a ? (size_t)from : (size_t)from * k;
      c += (size_t)from * n;
      m = to - from;
    } else {
      b += j->trans_b ? (size_t)from * k : (size_t)from;
      c += from;
      n = to - from;
    }
  }
  if (k == 0) {
    for (int r = 0; r < m; r++) memset(c + (size_t)r * ldc, 0, sizeof(float) * (size_t)n);
    return;
  }
  cblas_sgemm(CblasRowMajor, j->trans_a ? CblasTrans : CblasNoTrans, j->trans_b ? CblasTrans : CblasNoTrans,
              m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}

static void gemm_part(void *ctx, int part, int parts) {
  const gemm_job *j = (const gemm_job *)ctx;
  size_t units = j->batch * (size_t)j->splits;
  size_t from = units * (size_t)part / (size_t)parts, to = units * (size_t)(part + 1) / (size_t)parts;
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
  j->split_rows = j->m >= j->n;
  if (threads <= 1) return;
  size_t want = (size_t)threads / gcd(j->batch, (size_t)threads);
  int extent = j->split_rows ? j->m : j->n;
  // Slices thinner than 16 rows/columns cost more in OpenBLAS overhead than they save.
  while (want > 1 && (size_t)extent < want * 16) want--;
  j->splits = (int)want;
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
  size_t from = e->rows * (size_t)part / (size_t)parts, to = e->rows * (size_t)(part + 1) / (size_t)parts;
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
// Argument helpers. Each returns 0 after throwing a JS error.

static int throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_NATIVE_GEMM", message);
  return 0;
}

static int get_heap(napi_env env, napi_value value, uint8_t **data, size_t *bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  void *ptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, &length, &ptr, &buffer, &offset) != napi_ok || ptr == NULL)
    return throw_error(env, "heap must be a typed array over the wasm memory");
  if (type != napi_uint8_array && type != napi_float32_array)
    return throw_error(env, "heap must be a Uint8Array or Float32Array");
  *data = (uint8_t *)ptr;
  *bytes = type == napi_uint8_array ? length : length * sizeof(float);
  return 1;
}

static int get_float64s(napi_env env, napi_value value, const double **data, size_t *length) {
  napi_typedarray_type type;
  size_t offset;
  void *ptr;
  napi_value buffer;
  if (napi_get_typedarray_info(env, value, &type, length, &ptr, &buffer, &offset) != napi_ok ||
      type != napi_float64_array)
    return throw_error(env, "offsets must be a Float64Array");
  *data = (const double *)ptr;
  return 1;
}

static int get_int(napi_env env, napi_value value, int min, int *out) {
  int32_t v;
  if (napi_get_value_int32(env, value, &v) != napi_ok || v < min) return throw_error(env, "bad integer argument");
  *out = v;
  return 1;
}

static int get_double(napi_env env, napi_value value, double *out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return throw_error(env, "bad number argument");
  return 1;
}

static int get_flag(napi_env env, napi_value value, int *out) {
  bool b;
  if (napi_get_value_bool(env, value, &b) != napi_ok) return throw_error(env, "bad boolean argument");
  *out = b ? 1 : 0;
  return 1;
}

// A float region [offset, offset + count*4) must lie inside the heap and be 4-byte aligned.
static int check_region(napi_env env, double offset, size_t count, size_t heap_bytes) {
  if (!(offset >= 0) || offset != floor(offset) || ((size_t)offset & 3) != 0)
    return throw_error(env, "misaligned or negative tensor offset");
  if ((size_t)offset > heap_bytes || count > (heap_bytes - (size_t)offset) / sizeof(float))
    return throw_error(env, "tensor lies outside the wasm heap");
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Exported functions.

// sgemmBatch(heap, offsets, m, n, k, transA, transB): undefined
static napi_value sgemm_batch(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 7) {
    throw_error(env, "sgemmBatch(heap, offsets, m, n, k, transA, transB)");
    return NULL;
  }
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
  size_t argc = 10;
  napi_value argv[10];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 10) {
    throw_error(env, "biasActivation(heap, cOffset, rows, n, biasOffset, biasLen, activation, preluOffset, preluLen, leakyAlpha)");
    return NULL;
  }
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
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 9) {
    throw_error(env, "binaryBroadcast(heap, op, bigOffset, smallOffset, outOffset, rows, n, smallPerRow, smallFirst)");
    return NULL;
  }
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
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) {
    throw_error(env, "unary(heap, op, inOffset, outOffset, count)");
    return NULL;
  }
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

static int export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

NAPI_MODULE_INIT() {
  // Threads come from the pool above; OpenBLAS threads would oversubscribe the cores.
  openblas_set_num_threads(1);
  if (!export_function(env, exports, "sgemmBatch", sgemm_batch) ||
      !export_function(env, exports, "biasActivation", bias_activation) ||
      !export_function(env, exports, "binaryBroadcast", binary_broadcast) ||
      !export_function(env, exports, "unary", unary) ||
      !export_function(env, exports, "setThreads", set_threads) ||
      !export_function(env, exports, "describe", describe))
    return NULL;
  return exports;
}
