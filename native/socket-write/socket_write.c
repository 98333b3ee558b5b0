// One non-blocking sendmsg(2) of Buffers, in order, to a connected socket's file
// descriptor, bypassing Node's stream machinery (a write request, its completion callback and
// the Writable's bookkeeping per call). The caller uses it only while Node has nothing queued
// for that socket, and hands what the kernel did not take to Node's own write
// (src/servers/direct-write.ts).
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { MAX_PARTS = 1024 };  // Linux's IOV_MAX

/** send(fd, ...buffers): the bytes the kernel took (0 when it took none: EAGAIN), or -errno. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  // Counted first: given room for more arguments than were passed, N-API fills every spare
  // slot with undefined, which cost more than the send's own bookkeeping.
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, NULL, NULL, NULL) != napi_ok || argc < 2) return NULL;
  if (argc > 1 + MAX_PARTS) {
    napi_throw_range_error(env, NULL, "more than 1024 buffers in one send");
    return NULL;
  }
  napi_value argv[1 + MAX_PARTS], result;
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return NULL;
  struct iovec parts[MAX_PARTS];
  for (size_t i = 1; i < argc; i++) {
    if (napi_get_buffer_info(env, argv[i], &parts[i - 1].iov_base, &parts[i - 1].iov_len) != napi_ok) return NULL;
  }
  struct msghdr message;
  memset(&message, 0, sizeof message);
  message.msg_iov = parts;
  message.msg_iovlen = argc - 1;
  ssize_t sent;
  do sent = sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
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
