// Argument helpers of the addon's exported functions (napi_args.h).
#include "napi_args.h"
#include <math.h>


int throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "ERR_NATIVE_GEMM", message);
  return 0;
}

int get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv, const char *usage) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) return throw_error(env, usage);
  return 1;
}

int get_heap(napi_env env, napi_value value, uint8_t **data, size_t *bytes) {
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

int get_float64s(napi_env env, napi_value value, const double **data, size_t *length) {
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

int get_int(napi_env env, napi_value value, int min, int *out) {
  int32_t v;
  if (napi_get_value_int32(env, value, &v) != napi_ok || v < min) return throw_error(env, "bad integer argument");
  *out = v;
  return 1;
}

int get_double(napi_env env, napi_value value, double *out) {
  if (napi_get_value_double(env, value, out) != napi_ok) return throw_error(env, "bad number argument");
  return 1;
}

int get_flag(napi_env env, napi_value value, int *out) {
  bool b;
  if (napi_get_value_bool(env, value, &b) != napi_ok) return throw_error(env, "bad boolean argument");
  *out = b ? 1 : 0;
  return 1;
}

// A float region [offset, offset + count*4) must lie inside the heap and be 4-byte aligned.
int check_region(napi_env env, double offset, size_t count, size_t heap_bytes) {
  if (!(offset >= 0) || offset != floor(offset) || ((size_t)offset & 3) != 0)
    return throw_error(env, "misaligned or negative tensor offset");
  if ((size_t)offset > heap_bytes || count > (heap_bytes - (size_t)offset) / sizeof(float))
    return throw_error(env, "tensor lies outside the wasm heap");
  return 1;
}

int export_function(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}
