// The Overcomplete Dictionary Learning block of CRATE-α (Yang et al. 2024, "Scaling White-Box
// Transformers for Vision", eqs. (7)–(11)) as one forward and one gradient kernel on the tfjs
// wasm heap (trainer/backend/nativeOdl.ts registers them; trainer/model/odl.ts holds the same
// equations as tfjs ops).
//
// Tokens are rows: y is [M, d], the dictionaries D and D̂ are [d, m] (m = C·d), so the paper's
// D A reads A Dᵀ. Two proximal steps on the non-negative LASSO (7) from A₀ = 0, eqs. (8)–(9):
//   s1 = y D,              a1 = ReLU(η s1 − ηλ)
//   r  = a1 Dᵀ − y,        a2 = ReLU(a1 − η r D − ηλ)
// then decoding, eqs. (10)–(11): out = a2 D̂ᵀ.
//
// Each product is one gemm_parallel call (its alpha carries η, its beta the subtractions and the
// sums of gradient terms), and each [M, m] elementwise step is one pass over the product it
// follows. The forward pass keeps a1, r and a2 for the gradient (the ReLU masks are a1 > 0 and
// a2 > 0); the gradient needs one [M, m] scratch matrix. Every product splits over whole rows or
// columns of its result, so results do not depend on the thread count.
#include "odl.h"
#include "gemm.h"
#include "napi_args.h"
#include "pool.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Below this many elements a thread hand-off costs more than the loop.
#define ODL_SERIAL_BELOW 32768

// ---------------------------------------------------------------------------------------------
// The elementwise passes, each over `count` floats split across the pool.

enum odl_pass {
  // a1 = ReLU(a1 − ηλ), a1 holding η s1 (eq. 9 from A₀ = 0)
  PASS_FIRST_STEP,
  // a2 = ReLU((a1 − a2) − ηλ), a2 holding η r D (eq. 9 from A₁)
  PASS_SECOND_STEP,
  // g = (g + gc) ⊙ [a2 > 0]: the gradient at the second step's ReLU input
  PASS_SECOND_MASK,
  // g = g ⊙ [a1 > 0]: the gradient at the first step's ReLU input
  PASS_FIRST_MASK,
};

typedef struct {
  int pass;
  size_t count;
  float *x;        // updated in place
  const float *u;  // a1 (PASS_SECOND_STEP, PASS_FIRST_MASK), a2 (PASS_SECOND_MASK)
  const float *v;  // gc (PASS_SECOND_MASK)
  float shift;     // ηλ
} pass_job;

static void pass_part(void *ctx, int part, int parts) {
  const pass_job *j = (const pass_job *)ctx;
  size_t from, to;
  pool_share(j->count, part, parts, &from, &to);
  float *x = j->x;
  const float *u = j->u, *v = j->v;
  const float shift = j->shift;
  // ReLU as tfjs's: x <= 0 gives +0, NaN passes through. Its gradient passes where the input is
  // > 0, which is where the output is > 0 (tfjs multiplies by that step; a select differs from it
  // only in the sign of a zero and where the gradient is infinite or NaN).
  switch (j->pass) {
    case PASS_FIRST_STEP:
      for (size_t i = from; i < to; i++) {
        float p = x[i] - shift;
        x[i] = p <= 0.0f ? 0.0f : p;
      }
      break;
    case PASS_SECOND_STEP:
      for (size_t i = from; i < to; i++) {
        float p = (u[i] - x[i]) - shift;
        x[i] = p <= 0.0f ? 0.0f : p;
      }
      break;
    case PASS_SECOND_MASK:
      // In blocks that stay in cache: GCC vectorises neither a select of a sum nor a product by a
      // mask (the FP operation would become unconditional under -ftrapping-math), and a
      // mispredicted branch per element took 3 ms here against 0.2 ms for FIRST_MASK.
      for (size_t block = from; block < to; block += 1024) {
        size_t end = block + 1024 < to ? block + 1024 : to;
        for (size_t i = block; i < end; i++) x[i] += v[i];
        for (size_t i = block; i < end; i++) x[i] = u[i] > 0.0f ? x[i] : 0.0f;
      }
      break;
    default:
      for (size_t i = from; i < to; i++) x[i] = u[i] > 0.0f ? x[i] : 0.0f;
      break;
  }
}

static void run_pass(int pass, size_t count, float *x, const float *u, const float *v, float shift) {
  pass_job j = {pass, count, x, u, v, shift};
  pool_run(pass_part, &j, count < ODL_SERIAL_BELOW);
}

// ---------------------------------------------------------------------------------------------
// The block and its gradient.

typedef struct {
  int rows, d, m;  // M, d, m
  float eta;
  float shift;  // ηλ, the product of the doubles rounded once, as tfjs's scalar eta * lambda
} odl_shape;

// Writes out [M, d], a2 [M, m], and what the gradient keeps: a1 [M, m], r [M, d].
static void odl_forward(const odl_shape *s, const float *y, const float *D, const float *Dhat, float *out, float *a2,
                        float *a1, float *r) {
  const int M = s->rows, d = s->d, m = s->m;
  const size_t codes = (size_t)M * m;
  // eq. (9) from A₀ = 0: a1 = ReLU(η y D − ηλ)
  gemm_parallel(0, 0, M, m, d, s->eta, y, d, D, m, 0.0f, a1, m);
  run_pass(PASS_FIRST_STEP, codes, a1, NULL, NULL, s->shift);
  // the residual of the first code: r = a1 Dᵀ − y
  memcpy(r, y, (size_t)M * d * sizeof(float));
  gemm_parallel(0, 1, M, d, m, 1.0f, a1, m, D, m, -1.0f, r, d);
  // eq. (9) from A₁: a2 = ReLU(a1 − η r D − ηλ), η r D computed into a2 first
  gemm_parallel(0, 0, M, m, d, s->eta, r, d, D, m, 0.0f, a2, m);
  run_pass(PASS_SECOND_STEP, codes, a2, a1, NULL, s->shift);
  // eqs. (10)–(11): out = a2 D̂ᵀ
  gemm_parallel(0, 1, M, d, m, 1.0f, a2, m, Dhat, m, 0.0f, out, d);
}

// From g = ∂L/∂out [M, d] and gc = ∂L/∂a2 [M, m], the gradients of y, D and D̂. (Where the model
// has no decoupled D̂ it passes D twice, and tfjs adds the two gradients of that one tensor.) With
// G the one [M, m] scratch matrix:
//   G   = (g D̂ + gc) ⊙ [a2 > 0]          the gradient at the second ReLU's input, g_p2
//   ∂D̂  = gᵀ a2
//   gy  = η G Dᵀ                          = −g_r, where g_r = −η G Dᵀ is ∂L/∂r
//   ∂D  = −η rᵀ G + g_rᵀ a1               (through r D and through a1 Dᵀ)
//   G   = (G + g_r D) ⊙ [a1 > 0]          the gradient at the first ReLU's input, g_p1
//   gy  = −g_r + η G Dᵀ                   (y enters r with a minus sign and s1 = y D)
//   ∂D += η yᵀ G
// g_r lives negated in gy until the last product adds η G Dᵀ to it; the alphas −1 below undo the sign.
static int odl_backward(const odl_shape *s, const float *g, const float *gc, const float *y, const float *D,
                        const float *Dhat, const float *a1, const float *r, const float *a2, float *gy, float *gD,
                        float *gDhat) {
  const int M = s->rows, d = s->d, m = s->m;
  const size_t codes = (size_t)M * m;
  float *G = (float *)malloc(codes * sizeof(float));
  if (G == NULL) return 0;
  gemm_parallel(0, 0, M, m, d, 1.0f, g, d, Dhat, m, 0.0f, G, m);
  // Without a gradient of the code (gc NULL) the second mask is the first's pass over a2.
  run_pass(gc != NULL ? PASS_SECOND_MASK : PASS_FIRST_MASK, codes, G, a2, gc, 0.0f);
  gemm_parallel(1, 0, d, m, M, 1.0f, g, d, a2, m, 0.0f, gDhat, m);
  gemm_parallel(0, 1, M, d, m, s->eta, G, m, D, m, 0.0f, gy, d);
  gemm_parallel(1, 0, d, m, M, -s->eta, r, d, G, m, 0.0f, gD, m);
  gemm_parallel(1, 0, d, m, M, -1.0f, gy, d, a1, m, 1.0f, gD, m);
  gemm_parallel(0, 0, M, m, d, -1.0f, gy, d, D, m, 1.0f, G, m);
  run_pass(PASS_FIRST_MASK, codes, G, a1, NULL, 0.0f);
  gemm_parallel(0, 1, M, d, m, s->eta, G, m, D, m, 1.0f, gy, d);
  gemm_parallel(1, 0, d, m, M, s->eta, y, d, G, m, 1.0f, gD, m);
  free(G);
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Exported functions (gemm.c's NAPI_MODULE_INIT exports them).

// Reads heap, offsets (a Float64Array of strlen(kinds)), rows, d, m and eta (then lambda when
// `with_lambda`) from argv, and checks that each offset names a region of its size inside the heap.
// kinds[i]: 'y' an [M, d] matrix, 'c' a code [M, m] ('C' one that may be absent: offset < 0),
// 'D' a dictionary [d, m]. Returns 0 after throwing.
static int odl_args(napi_env env, napi_value *argv, const char *kinds, int with_lambda, uint8_t **heap,
                    const double **offsets, odl_shape *s) {
  size_t heap_bytes, length;
  double eta, lambda = 0.0;
  if (!get_heap(env, argv[0], heap, &heap_bytes) || !get_float64s(env, argv[1], offsets, &length) ||
      !get_int(env, argv[2], 1, &s->rows) || !get_int(env, argv[3], 1, &s->d) || !get_int(env, argv[4], 1, &s->m) ||
      !get_double(env, argv[5], &eta) || (with_lambda && !get_double(env, argv[6], &lambda)))
    return 0;
  size_t count = strlen(kinds);
  if (length != count) return throw_error(env, "wrong number of tensor offsets");
  s->eta = (float)eta;
  s->shift = (float)(eta * lambda);
  const size_t M = (size_t)s->rows, d = (size_t)s->d, m = (size_t)s->m;
  for (size_t i = 0; i < count; i++) {
    char k = kinds[i];
    if (k == 'C' && (*offsets)[i] < 0) continue;  // an optional code, absent
    size_t size = k == 'y' ? M * d : (k == 'c' || k == 'C') ? M * m : d * m;
    if (!check_region(env, (*offsets)[i], size, heap_bytes)) return 0;
  }
  return 1;
}

#define AT(i) ((float *)(heap + (size_t)offsets[i]))

napi_value crate_odl(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "crateOdl(heap, offsets [y, D, Dhat, out, a2, a1, r], rows, d, m, eta, lambda)")) return NULL;
  // y, D, D̂, out, a2, a1, r
  uint8_t *heap;
  const double *offsets;
  odl_shape s;
  if (!odl_args(env, argv, "yDDyccy", 1, &heap, &offsets, &s)) return NULL;
  odl_forward(&s, AT(0), AT(1), AT(2), AT(3), AT(4), AT(5), AT(6));
  return NULL;
}

napi_value crate_odl_grad(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "crateOdlGrad(heap, offsets [g, gc (< 0: none), y, D, Dhat, a1, r, a2, gy, gD, gDhat], rows, d, m, eta)")) return NULL;
  // g, gc, y, D, D̂, a1, r, a2, gy, gD, gD̂
  uint8_t *heap;
  const double *offsets;
  odl_shape s;
  if (!odl_args(env, argv, "yCyDDcycyDD", 0, &heap, &offsets, &s)) return NULL;
  if (!odl_backward(&s, AT(0), offsets[1] < 0 ? NULL : AT(1), AT(2), AT(3), AT(4), AT(5), AT(6), AT(7), AT(8), AT(9), AT(10)))
    throw_error(env, "crateOdlGrad: out of memory for its scratch matrix");
  return NULL;
}
