// Argument helpers of the addon's exported functions (napi_args.c). Each returns 0 after
// throwing a JS error, so a caller returns NULL at once.
#ifndef CRATE_LAB_NAPI_ARGS_H
#define CRATE_LAB_NAPI_ARGS_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

int throw_error(napi_env env, const char *message);
// Exactly `count` arguments into argv, else the error `usage` (the call as JS writes it).
int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage);
// A typed array over the wasm memory: its data and size in bytes.
int get_heap(napi_env env, napi_value value, uint8_t **data, size_t *bytes);
int get_float64s(napi_env env, napi_value value, const double **data, size_t *length);
int get_int(napi_env env, napi_value value, int min, int *out);
int get_double(napi_env env, napi_value value, double *out);
int get_flag(napi_env env, napi_value value, int *out);
// A float region [offset, offset + count*4) must lie inside the heap and be 4-byte aligned.
int check_region(napi_env env, double offset, size_t count, size_t heap_bytes);
int export_function(napi_env env, napi_value exports, const char *name, napi_callback cb);

#endif
