// Non-blocking sendmsg(2) of Buffers to connected sockets' file descriptors, bypassing Node's
// stream machinery (a write request, its completion callback and the Writable's bookkeeping per
// call): one socket and several Buffers, or many sockets and the one Buffer they share. The
// caller uses it only while Node has nothing queued for those sockets, and hands what the
// kernel did not take to Node's own write (src/servers/direct-write.ts).
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { MAX_PARTS = 1024 };  // Linux's IOV_MAX

/** The bytes the kernel took of one non-blocking sendmsg (0 when it took none: EAGAIN), or -errno. */
static double send_parts(int fd, struct iovec *parts, size_t count) {
  struct msghdr message;
  memset(&message, 0, sizeof message);
  message.msg_iov = parts;
  message.msg_iovlen = count;
  ssize_t sent;
  do sent = sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  return sent >= 0 ? (double)sent : (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -(double)errno;
}

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
  napi_create_double(env, send_parts(fd, parts, argc - 1), &result);
  return result;
}

static void *typed_array_data(napi_env env, napi_value value, napi_typedarray_type expected, size_t *length) {
  napi_typedarray_type type;
  void *data;
  if (napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok || type != expected) return NULL;
  return data;
}

/**
 * sendEach(fds: Int32Array, count, results: Float64Array, ...buffers): sends the buffers, in
 * order, to each of the first `count` descriptors, one sendmsg each, and puts what each took in
 * `results` (as send returns it). A thousand players of one flush cost one call from JavaScript.
 */
static napi_value js_send_each(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, NULL, NULL, NULL) != napi_ok) return NULL;
  if (argc < 4 || argc > 3 + MAX_PARTS) {
    napi_throw_range_error(env, NULL, "sendEach(Int32Array, count, Float64Array, ...1 to 1024 buffers)");
    return NULL;
  }
  napi_value argv[3 + MAX_PARTS];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  size_t fd_count, result_count;
  int32_t *fds = typed_array_data(env, argv[0], napi_int32_array, &fd_count);
  double *results = typed_array_data(env, argv[2], napi_float64_array, &result_count);
  uint32_t count;
  if (fds == NULL || results == NULL || napi_get_value_uint32(env, argv[1], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendEach(Int32Array, count, Float64Array, ...buffers)");
    return NULL;
  }
  if (count > fd_count || count > result_count) {
    napi_throw_range_error(env, NULL, "sendEach: count is past the end of an array");
    return NULL;
  }
  struct iovec parts[MAX_PARTS];
  for (size_t i = 3; i < argc; i++) {
    if (napi_get_buffer_info(env, argv[i], &parts[i - 3].iov_base, &parts[i - 3].iov_len) != napi_ok) return NULL;
  }
  for (uint32_t i = 0; i < count; i++) results[i] = send_parts(fds[i], parts, argc - 3);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"sendEach", NULL, js_send_each, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods) != napi_ok) return NULL;
  return exports;
}
