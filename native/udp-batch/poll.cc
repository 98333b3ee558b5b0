// The event-loop side: libuv reports the fd readable (or writable, while sends are queued), the
// datagrams are read in batches and handed to JavaScript, one call per batch.
#include <arpa/inet.h>

#include <cstring>

#include "binding.h"

namespace udp_batch {

napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static void onPoll(uv_poll_t* handle, int status, int events);

void updatePoll(Binding* b) {
  if (b->closing) return;
  int mask = (b->reading ? UV_READABLE : 0) | (b->socket.hasQueued() ? UV_WRITABLE : 0);
  if (mask == b->pollMask) return;
  b->pollMask = mask;
  if (mask == 0) uv_poll_stop(b->poll);
  else uv_poll_start(b->poll, mask, onPoll);
}

/** {address, family, port, sockaddr}: made only when a slot takes a new peer. */
static napi_value describePeer(napi_env env, const Address& peer) {
  char text[INET6_ADDRSTRLEN] = "";
  int port;
  const char* family;
  if (peer.storage.ss_family == AF_INET) {
    auto v4 = reinterpret_cast<const sockaddr_in*>(&peer.storage);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
    family = "IPv4";
  } else {
    auto v6 = reinterpret_cast<const sockaddr_in6*>(&peer.storage);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
    family = "IPv6";
  }
  napi_value object, address, familyValue, sockaddr;
  void* copy;
  CHECK(napi_create_object(env, &object));
  CHECK(napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &address));
  CHECK(napi_create_string_latin1(env, family, NAPI_AUTO_LENGTH, &familyValue));
  CHECK(napi_create_buffer_copy(env, peer.length, &peer.storage, &copy, &sockaddr));
  napi_set_named_property(env, object, "address", address);
  napi_set_named_property(env, object, "family", familyValue);
  napi_set_named_property(env, object, "port", number(env, port));
  napi_set_named_property(env, object, "sockaddr", sockaddr);
  return object;
}

/** The pool with room for `bytes` more, a new one when the current one is full. */
static bool poolFor(Binding* b, size_t bytes, napi_value* pool) {
  napi_env env = b->env;
  if (b->pool && b->poolUsed + bytes <= b->poolSize) return napi_get_reference_value(env, b->pool, pool) == napi_ok;
  void* data;
  size_t size = bytes > kPoolBytes ? bytes : kPoolBytes;
  if (napi_create_buffer(env, size, &data, pool) != napi_ok) return false;
  if (b->pool) napi_delete_reference(env, b->pool);
  napi_create_reference(env, *pool, 1, &b->pool);
  b->poolData = static_cast<uint8_t*>(data);
  b->poolSize = size;
  b->poolUsed = 0;
  return true;
}

/** Copies one batch into the pool and makes the one call into JavaScript. */
static void deliver(Binding* b) {
  napi_env env = b->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  size_t total = 0;
  for (const Received& r : b->received) total += r.length;
  napi_value data, fresh = nullptr, self, callback, result;
  if (poolFor(b, total, &data)) {
    uint32_t freshCount = 0;
    size_t start = b->poolUsed;
    size_t at = start;
    for (size_t i = 0; i < b->received.size(); i++) {
      const Received& r = b->received[i];
      memcpy(b->poolData + at, b->socket.slab() + r.offset, r.length);
      at += r.length;
      b->meta[i * kMetaInts] = int32_t(r.length);
      b->meta[i * kMetaInts + 1] = r.slot;
      b->meta[i * kMetaInts + 2] = -1;
      if (!r.fresh) continue;
      if (!fresh) napi_create_array(env, &fresh);
      napi_set_element(env, fresh, freshCount, describePeer(env, b->socket.source(r.message)));
      b->meta[i * kMetaInts + 2] = int32_t(freshCount++);
    }
    b->poolUsed = at;
    if (!fresh) napi_get_undefined(env, &fresh);
    napi_value argv[] = {data, number(env, double(start)), number(env, double(b->received.size())), fresh};
    napi_get_reference_value(env, b->self, &self);
    napi_get_reference_value(env, b->onBatch, &callback);
    // Through make_callback so that nextTicks and microtasks run once the batch is handled.
    if (napi_make_callback(env, b->async, self, callback, 4, argv, &result) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);  // as an exception in a dgram 'message' listener
    }
  }
  napi_close_handle_scope(env, scope);
}

static void readBatches(Binding* b) {
  for (int round = 0; round < kBatchesPerWakeup && !b->closing; round++) {
    int count = b->socket.receive(b->received);
    if (count <= 0) return;  // drained (EAGAIN), or an error the next wakeup meets again
    if (!b->received.empty()) deliver(b);
    if (count < kBatch) return;  // most likely drained: spare the recvmmsg that says EAGAIN
  }
}

static void onPoll(uv_poll_t* handle, int status, int events) {
  auto b = static_cast<Binding*>(handle->data);
  if (b->closing || status < 0) return;
  if (events & UV_WRITABLE) {
    b->socket.flush();
    updatePoll(b);
  }
  if (events & UV_READABLE) readBatches(b);
}

static void onPollClosed(uv_handle_t* handle) {
  auto b = static_cast<Binding*>(handle->data);
  delete reinterpret_cast<uv_poll_t*>(handle);
  b->poll = nullptr;
  if (b->finalized) delete b;
  else napi_reference_unref(b->env, b->self, nullptr);
}

void closeBinding(Binding* b) {
  if (b->closing) return;
  b->closing = true;
  uv_poll_stop(b->poll);
  b->socket.close();
  uv_close(reinterpret_cast<uv_handle_t*>(b->poll), onPollClosed);
}

void onEnvCleanup(void* data) { closeBinding(static_cast<Binding*>(data)); }

void finalize(napi_env env, void* data, void*) {
  auto b = static_cast<Binding*>(data);
  b->finalized = true;
  napi_delete_reference(env, b->self);
  if (b->onBatch) napi_delete_reference(env, b->onBatch);
  if (b->pool) napi_delete_reference(env, b->pool);
  if (b->poll == nullptr) delete b;  // else freed when its poll handle has closed
}


}  // namespace udp_batch
