// LayerNorm over the last axis as one kernel and its gradient as another (layerNorm.c), on the
// tfjs wasm heap and gemm.c's thread pool. gemm.c exports both functions.
#ifndef CRATE_LAB_LAYER_NORM_H
#define CRATE_LAB_LAYER_NORM_H
#include <node_api.h>

// layerNorm(heap, xOffset, weightOffset, biasOffset, yOffset, meanOffset, rstdOffset, rows, n, eps)
napi_value layer_norm(napi_env env, napi_callback_info info);

// layerNormGrad(heap, dyOffset, xOffset, weightOffset, meanOffset, rstdOffset, dxOffset, dwOffset,
//               dbOffset, rows, n)
napi_value layer_norm_grad(napi_env env, napi_callback_info info);

#endif
