// A non-blocking UDP socket that reads and writes datagrams in batches (recvmmsg/sendmmsg).
// Plain POSIX: no Node-API or libuv here, so the syscall logic reads on its own.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace udp_batch {

constexpr int kBatch = 64;  // datagrams per recvmmsg / sendmmsg call
constexpr int kPeerSlots = 1024;  // direct-mapped table of recent source addresses
constexpr size_t kMaxQueuedBytes = 8 << 20;  // sends held while the kernel says EAGAIN

/** A source address as the kernel gives it: sockaddr_in or sockaddr_in6. */
struct Address {
  sockaddr_storage storage;
  socklen_t length;
};

/** One received datagram: where it is in the slab, how long, and its source's slot. */
struct Received {
  size_t offset;
  uint32_t length;
  int slot;
  bool fresh;  // the slot now holds an address the caller has not seen there
  int message;  // its index in the batch: source(message) is where it came from
};

/** One datagram to send: bytes that stay valid for the call, and a raw sockaddr. */
struct Outgoing {
  const uint8_t* data;
  size_t length;
  const sockaddr* to;
  socklen_t toLength;
};

class BatchSocket {
 public:
  BatchSocket(bool ipv6, size_t maxDatagram);
  ~BatchSocket();

  /** -errno when the socket could not be made; else 0. */
  int openError() const { return openError_; }
  int fd() const { return fd_; }
  bool ipv6() const { return ipv6_; }

  /** Binds to an IP literal; returns the bound port, or -errno. */
  int bind(const char* host, int port, bool sharePort);
  int setReceiveBuffer(int bytes);
  int receiveBuffer() const;

  /**
   * One recvmmsg of up to kBatch datagrams into the slab. Returns how many came (0 on EAGAIN),
   * or -errno. Truncated datagrams (longer than maxDatagram) are dropped and counted.
   */
  int receive(std::vector<Received>& out);
  const uint8_t* slab() const { return slab_.data(); }
  /**
   * Where datagram `message` of the last batch came from. Not its slot's peer: two sources of
   * one batch may share a slot, which by then holds only the later one.
   */
  Address source(int message) const;

  /**
   * Sends now what the kernel takes; the rest (EAGAIN) is copied into the queue, written by
   * flush() when the socket is writable. Returns 0, or the first -errno that was not EAGAIN
   * (that datagram is dropped, as the kernel would drop it).
   */
  int send(const Outgoing* datagrams, size_t count);
  /** Writes queued datagrams; returns the first hard -errno or 0. */
  int flush();
  bool hasQueued() const { return !queue_.empty(); }
  size_t queuedBytes() const { return queuedBytes_; }

  uint64_t truncated = 0;  // received datagrams too long for a slot
  uint64_t overflowed = 0;  // sends dropped because the queue was full

  void close();

 private:
  struct Queued {
    Address to;
    std::vector<uint8_t> data;
  };

  int slotOf(const sockaddr_storage& from, socklen_t length, bool* fresh);
  void enqueue(const Outgoing& datagram);

  int fd_ = -1;
  int openError_ = 0;
  bool ipv6_;
  size_t maxDatagram_;
  std::vector<uint8_t> slab_;
  mmsghdr messages_[kBatch];
  iovec vectors_[kBatch];
  sockaddr_storage sources_[kBatch];
  Address peers_[kPeerSlots];
  std::deque<Queued> queue_;
  size_t queuedBytes_ = 0;
};

}  // namespace udp_batch
