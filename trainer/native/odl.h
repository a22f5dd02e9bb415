// The ODL block of CRATE-α as one fused kernel and its gradient (odl.c), on the wasm heap.
#ifndef CRATE_LAB_ODL_H
#define CRATE_LAB_ODL_H
#include <node_api.h>

// crateOdl(heap, offsets [y, D, D̂, out, a2, a1, r], rows, d, m, eta, lambda)
napi_value crate_odl(napi_env env, napi_callback_info info);
// crateOdlGrad(heap, offsets [g, gc, y, D, D̂, a1, r, a2, gy, gD, gD̂], rows, d, m, eta)
napi_value crate_odl_grad(napi_env env, napi_callback_info info);

#endif
