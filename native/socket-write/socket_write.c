// One non-blocking send(2) of a Buffer to a connected socket's file descriptor, bypassing Node's
// stream machinery (a write request, its completion callback and the Writable's bookkeeping per
// call). The caller uses it only while Node has nothing queued for that socket, and hands what
// the kernel did not take to Node's own write (src/servers/direct-write.ts).
#include <errno.h>
#include <node_api.h>
#include <sys/socket.h>

/** send(fd, buffer): the bytes the kernel took (0 when it took none: EAGAIN), or -errno. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  int32_t fd;
  void* data;
  size_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok) return NULL;
  ssize_t sent;
  do sent = send(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  double out = sent >= 0 ? (double)sent : (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -(double)errno;
  napi_create_double(env, out, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
