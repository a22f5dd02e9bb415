// One AdamW step (Loshchilov & Hutter, decoupled weight decay; train/adamw.ts) of one parameter
// in one pass, where tfjs runs a dozen kernels over it, each allocating its result:
//   m' = β₁ m + (1 − β₁) g,   v' = β₂ v + (1 − β₂) g²
//   p' = p·decay − lr · (m' / c1) / (√(v' / c2) + ε),   decay = 1 − lr·wd (1 without decay)
// Every operation is the float32 operation of train/adamw.ts's tfjs ops, in the same order and with
// the same float32 scalars (FMA contraction is off in binding.gyp), so the result is the same bits.
// The outputs may be the inputs p, m and v themselves (an in-place step): each element is read
// before it is written, by one thread.
#include "adamw.h"
#include "napi_args.h"
#include "pool.h"
#include <math.h>

// Below this many elements a thread hand-off costs more than the loop.
#define ADAMW_SERIAL_BELOW 32768

enum { B1, ONE_MINUS_B1, B2, ONE_MINUS_B2, C1, C2, EPS, LR, DECAY, SCALARS };

typedef struct {
  const float *p, *g, *m, *v;
  float *p_out, *m_out, *v_out;
  size_t count;
  float k[SCALARS];
} adamw_job;

static void adamw_part(void *ctx, int part, int parts) {
  const adamw_job *j = (const adamw_job *)ctx;
  const float *k = j->k;
  size_t from, to;
  pool_share(j->count, part, parts, &from, &to);
  for (size_t i = from; i < to; i++) {
    float g = j->g[i];
    float m = j->m[i] * k[B1] + g * k[ONE_MINUS_B1];
    float v = j->v[i] * k[B2] + (g * g) * k[ONE_MINUS_B2];
    float update = ((m / k[C1]) / (sqrtf(v / k[C2]) + k[EPS])) * k[LR];
    j->m_out[i] = m;
    j->v_out[i] = v;
    j->p_out[i] = j->p[i] * k[DECAY] - update;
  }
}

napi_value adam_w(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "adamW(heap, offsets [p, g, m, v, pOut, mOut, vOut], count, scalars)")) return NULL;
  uint8_t *heap;
  size_t heap_bytes, offsets_len, scalars_len;
  const double *offsets, *scalars;
  double count;
  if (!get_heap(env, argv[0], &heap, &heap_bytes) || !get_float64s(env, argv[1], &offsets, &offsets_len) ||
      !get_double(env, argv[2], &count) || !get_float64s(env, argv[3], &scalars, &scalars_len))
    return NULL;
  if (offsets_len != 7 || scalars_len != SCALARS) {
    throw_error(env, "adamW needs 7 offsets and 9 scalars");
    return NULL;
  }
  if (!(count >= 0) || count != floor(count)) {
    throw_error(env, "bad element count");
    return NULL;
  }
  adamw_job j;
  j.count = (size_t)count;
  for (int i = 0; i < 7; i++)
    if (!check_region(env, offsets[i], j.count, heap_bytes)) return NULL;
  for (int i = 0; i < SCALARS; i++) j.k[i] = (float)scalars[i];
  j.p = (const float *)(heap + (size_t)offsets[0]);
  j.g = (const float *)(heap + (size_t)offsets[1]);
  j.m = (const float *)(heap + (size_t)offsets[2]);
  j.v = (const float *)(heap + (size_t)offsets[3]);
  j.p_out = (float *)(heap + (size_t)offsets[4]);
  j.m_out = (float *)(heap + (size_t)offsets[5]);
  j.v_out = (float *)(heap + (size_t)offsets[6]);
  if (j.count > 0) pool_run(adamw_part, &j, j.count < ADAMW_SERIAL_BELOW);
  return NULL;
}
