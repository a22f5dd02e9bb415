// One AdamW step of a parameter as one kernel (adamw.c), on the tfjs wasm heap and the pool.
// gemm.c exports it.
#ifndef CRATE_LAB_ADAMW_H
#define CRATE_LAB_ADAMW_H
#include <node_api.h>

// adamW(heap, offsets [p, g, m, v, pOut, mOut, vOut], count, scalars [beta1, 1 − beta1, beta2,
//       1 − beta2, c1, c2, eps, lr, decay])
napi_value adam_w(napi_env env, napi_callback_info info);

#endif
