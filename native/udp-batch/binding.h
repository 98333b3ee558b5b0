// The state one UdpBatch JavaScript object wraps, shared by the Node-API methods (addon.cc) and
// the event-loop side (poll.cc).
#pragma once
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <vector>

#include "batch_socket.h"

namespace udp_batch {

constexpr int kMetaInts = 3;  // per datagram: length, peer slot, index into `fresh` (-1: known)
constexpr int kBatchesPerWakeup = 16;  // then back to the loop, so a busy socket cannot starve it
// Batches are copied one after another into a pool Buffer, as Node pools small Buffers: a new
// Buffer (a backing store V8 tracks) per batch cost as much as the reads themselves.
constexpr size_t kPoolBytes = 256 * 1024;

#define CHECK(call)                                       \
  do {                                                    \
    if ((call) != napi_ok) return nullptr;                \
  } while (0)

struct Binding {
  Binding(napi_env e, bool ipv6, size_t maxDatagram) : env(e), socket(ipv6, maxDatagram) {}
  napi_env env;
  BatchSocket socket;
  napi_ref self = nullptr;  // strong until the poll handle is closed: no callback to a collected object
  napi_ref onBatch = nullptr;
  napi_ref pool = nullptr;  // the Buffer batches are copied into, until it is full
  uint8_t* poolData = nullptr;
  size_t poolSize = 0;
  size_t poolUsed = 0;
  napi_async_context async = nullptr;
  int32_t* meta = nullptr;  // kBatch * kMetaInts, backing the `meta` Int32Array
  uv_poll_t* poll = nullptr;
  std::vector<Received> received;
  int pollMask = 0;
  bool reading = false;
  bool closing = false;
  bool finalized = false;
};

napi_value number(napi_env env, double value);
/** Watches for reading while started, and for writing while sends wait in the queue. */
void updatePoll(Binding* b);
/** Stops watching, closes the fd, then frees the poll handle on the loop's next close phase. */
void closeBinding(Binding* b);
void onEnvCleanup(void* data);
void finalize(napi_env env, void* data, void* hint);

}  // namespace udp_batch
