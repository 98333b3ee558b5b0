// Node-API binding of BatchSocket: libuv watches the fd, and each recvmmsg batch reaches
// JavaScript as ONE call (its datagrams one after another in a pooled Buffer, lengths and peer
// slots in a shared Int32Array), instead of node:dgram's one recvmsg, one callback and one
// Buffer per datagram.
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "binding.h"

using namespace udp_batch;

namespace {

napi_value throwErrno(napi_env env, const char* syscall, int error, const std::string& detail) {
  std::string message = std::string(syscall) + " " + uv_err_name(error) + (detail.empty() ? "" : " " + detail);
  napi_throw_error(env, uv_err_name(error), message.c_str());
  return nullptr;
}

Binding* unwrap(napi_env env, napi_callback_info info, size_t* argc, napi_value* argv) {
  napi_value self;
  void* data = nullptr;
  if (napi_get_cb_info(env, info, argc, argv, &self, nullptr) != napi_ok) return nullptr;
  if (napi_unwrap(env, self, &data) != napi_ok) return nullptr;
  return static_cast<Binding*>(data);
}
napi_value js_construct(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, nullptr));
  bool ipv6;
  uint32_t maxDatagram;
  CHECK(napi_get_value_bool(env, argv[0], &ipv6));
  CHECK(napi_get_value_uint32(env, argv[1], &maxDatagram));
  if (maxDatagram < 16 || maxDatagram > 65536) {
    napi_throw_range_error(env, nullptr, "maxDatagram: 16 to 65536 bytes");
    return nullptr;
  }
  auto b = new Binding(env, ipv6, maxDatagram);
  if (b->socket.openError() != 0) {
    int error = b->socket.openError();
    delete b;
    return throwErrno(env, "socket", error, "");
  }
  uv_loop_t* loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  b->poll = new uv_poll_t;
  b->poll->data = b;
  uv_poll_init_socket(loop, b->poll, b->socket.fd());
  CHECK(napi_wrap(env, self, b, finalize, nullptr, nullptr));
  CHECK(napi_create_reference(env, self, 1, &b->self));
  CHECK(napi_create_reference(env, argv[2], 1, &b->onBatch));
  napi_value name, buffer, meta;
  CHECK(napi_create_string_latin1(env, "UdpBatch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, nullptr, name, &b->async));
  void* metaData;
  CHECK(napi_create_arraybuffer(env, kBatch * kMetaInts * sizeof(int32_t), &metaData, &buffer));
  CHECK(napi_create_typedarray(env, napi_int32_array, kBatch * kMetaInts, buffer, 0, &meta));
  b->meta = static_cast<int32_t*>(metaData);
  CHECK(napi_set_named_property(env, self, "meta", meta));
  CHECK(napi_add_env_cleanup_hook(env, onEnvCleanup, b));
  return self;
}

napi_value js_bind(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Binding* b = unwrap(env, info, &argc, argv);
  if (!b) return nullptr;
  char host[INET6_ADDRSTRLEN + 1];
  int32_t port;
  CHECK(napi_get_value_string_latin1(env, argv[0], host, sizeof(host), nullptr));
  CHECK(napi_get_value_int32(env, argv[1], &port));
  bool sharePort = false;
  if (argc > 2) CHECK(napi_get_value_bool(env, argv[2], &sharePort));
  int bound = b->socket.bind(host, port, sharePort);
  if (bound < 0) return throwErrno(env, "bind", bound, std::string(host) + ":" + std::to_string(port));
  return number(env, bound);
}

napi_value js_start(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Binding* b = unwrap(env, info, &argc, nullptr);
  if (!b) return nullptr;
  b->reading = true;
  updatePoll(b);
  return nullptr;
}

/** Reads the (sockaddr, data) pairs of a send into Outgoing views of their bytes. */
bool outgoing(napi_env env, napi_value to, napi_value data, Outgoing* out) {
  void* address;
  size_t addressLength;
  void* bytes;
  if (napi_get_buffer_info(env, to, &address, &addressLength) != napi_ok) return false;
  if (napi_get_buffer_info(env, data, &bytes, &out->length) != napi_ok) return false;
  out->to = static_cast<const sockaddr*>(address);
  out->toLength = socklen_t(addressLength);
  out->data = static_cast<const uint8_t*>(bytes);
  return true;
}

napi_value sent(napi_env env, Binding* b, int result) {
  updatePoll(b);
  return number(env, result);
}

// send(sockaddr: Buffer, data: Buffer): 0, or -errno of a hard failure
napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  Binding* b = unwrap(env, info, &argc, argv);
  Outgoing datagram;
  if (!b || !outgoing(env, argv[0], argv[1], &datagram)) return nullptr;
  if (b->closing) return number(env, -EBADF);
  return sent(env, b, b->socket.send(&datagram, 1));
}

// sendBatch(sockaddrs: Buffer[], datas: Buffer[], count: number): 0, or the first -errno
napi_value js_sendBatch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Binding* b = unwrap(env, info, &argc, argv);
  uint32_t count;
  if (!b || napi_get_value_uint32(env, argv[2], &count) != napi_ok) return nullptr;
  if (b->closing) return number(env, -EBADF);
  std::vector<Outgoing> datagrams(count);
  for (uint32_t i = 0; i < count; i++) {
    napi_value to, data;
    CHECK(napi_get_element(env, argv[0], i, &to));
    CHECK(napi_get_element(env, argv[1], i, &data));
    if (!outgoing(env, to, data, &datagrams[i])) return nullptr;
  }
  return sent(env, b, b->socket.send(datagrams.data(), count));
}

napi_value js_pendingBytes(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Binding* b = unwrap(env, info, &argc, nullptr);
  return b ? number(env, double(b->socket.queuedBytes())) : nullptr;
}

napi_value js_setRecvBufferSize(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Binding* b = unwrap(env, info, &argc, argv);
  int32_t bytes;
  if (!b || napi_get_value_int32(env, argv[0], &bytes) != napi_ok) return nullptr;
  int result = b->socket.setReceiveBuffer(bytes);
  return result < 0 ? throwErrno(env, "setsockopt", result, "SO_RCVBUF") : nullptr;
}

napi_value js_getRecvBufferSize(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Binding* b = unwrap(env, info, &argc, nullptr);
  if (!b) return nullptr;
  int result = b->socket.receiveBuffer();
  return result < 0 ? throwErrno(env, "getsockopt", result, "SO_RCVBUF") : number(env, result);
}

// counters(): [received datagrams dropped as truncated, sends dropped on a full queue]
napi_value js_counters(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Binding* b = unwrap(env, info, &argc, nullptr);
  napi_value result;
  if (!b || napi_create_array_with_length(env, 2, &result) != napi_ok) return nullptr;
  napi_set_element(env, result, 0, number(env, double(b->socket.truncated)));
  napi_set_element(env, result, 1, number(env, double(b->socket.overflowed)));
  return result;
}

napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Binding* b = unwrap(env, info, &argc, nullptr);
  if (!b || b->closing) return nullptr;
  napi_remove_env_cleanup_hook(env, onEnvCleanup, b);
  closeBinding(b);
  napi_delete_reference(env, b->onBatch);
  b->onBatch = nullptr;
  if (b->pool) napi_delete_reference(env, b->pool);
  b->pool = nullptr;
  napi_async_destroy(env, b->async);
  return nullptr;
}

// sockaddr(ipv6: boolean, ip: string, port: number): the bytes send() takes, or undefined for
// an address the socket's family cannot reach. An IPv6 socket reaches IPv4 peers v4-mapped.
napi_value js_sockaddr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  bool ipv6;
  char host[INET6_ADDRSTRLEN + 1];
  int32_t port;
  CHECK(napi_get_value_bool(env, argv[0], &ipv6));
  CHECK(napi_get_value_string_latin1(env, argv[1], host, sizeof(host), nullptr));
  CHECK(napi_get_value_int32(env, argv[2], &port));
  Address address = {};
  if (!ipv6) {
    auto v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(port));
    address.length = sizeof(sockaddr_in);
    if (inet_pton(AF_INET, host, &v4->sin_addr) != 1) return nullptr;
  } else {
    auto v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(port));
    address.length = sizeof(sockaddr_in6);
    std::string text = strchr(host, ':') ? host : std::string("::ffff:") + host;
    if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) != 1) return nullptr;
  }
  void* copy;
  CHECK(napi_create_buffer_copy(env, address.length, &address.storage, &copy, &result));
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      {"bind", nullptr, js_bind, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"start", nullptr, js_start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"send", nullptr, js_send, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sendBatch", nullptr, js_sendBatch, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pendingBytes", nullptr, js_pendingBytes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setRecvBufferSize", nullptr, js_setRecvBufferSize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"getRecvBufferSize", nullptr, js_getRecvBufferSize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"counters", nullptr, js_counters, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, js_close, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_value constructor, sockaddrFunction;
  CHECK(napi_define_class(env, "UdpBatch", NAPI_AUTO_LENGTH, js_construct, nullptr, sizeof(methods) / sizeof(methods[0]), methods, &constructor));
  CHECK(napi_set_named_property(env, exports, "UdpBatch", constructor));
  CHECK(napi_create_function(env, "sockaddr", NAPI_AUTO_LENGTH, js_sockaddr, nullptr, &sockaddrFunction));
  CHECK(napi_set_named_property(env, exports, "sockaddr", sockaddrFunction));
  return exports;
}
