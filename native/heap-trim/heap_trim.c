// Gives the C heap's free pages back to the system (glibc's malloc_trim), and reports how much the
// C heap holds. Node's socket reads and Buffers are allocated there; freed, their memory stays
// with the process as free chunks between live ones, which only malloc_trim releases
// (src/util/native-heap.ts).
#include <node_api.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/** trim(): true when memory was given back; false when there was none, or no glibc. */
static napi_value js_trim(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value result;
  napi_get_boolean(env, released != 0, &result);
  return result;
}

/** usage(): [bytes in use, bytes free but held] of the C heap, or undefined without glibc. */
static napi_value js_usage(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  struct mallinfo2 figures = mallinfo2();
  napi_value result, used, free_bytes;
  napi_create_array_with_length(env, 2, &result);
  napi_create_double(env, (double)(figures.uordblks + figures.hblkhd), &used);
  napi_create_double(env, (double)figures.fordblks, &free_bytes);
  napi_set_element(env, result, 0, used);
  napi_set_element(env, result, 1, free_bytes);
  return result;
#else
  (void)env;
  return NULL;
#endif
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"trim", NULL, js_trim, NULL, NULL, NULL, napi_default, NULL},
      {"usage", NULL, js_usage, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
