#include "batch_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <unistd.h>

#include <cstring>

namespace udp_batch {

namespace {

bool wouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

bool samePeer(const Address& known, const sockaddr_storage& from, socklen_t length) {
  if (known.length != length || known.storage.ss_family != from.ss_family) return false;
  if (from.ss_family == AF_INET) {
    auto a = reinterpret_cast<const sockaddr_in*>(&known.storage);
    auto b = reinterpret_cast<const sockaddr_in*>(&from);
    return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
  }
  auto a = reinterpret_cast<const sockaddr_in6*>(&known.storage);
  auto b = reinterpret_cast<const sockaddr_in6*>(&from);
  return a->sin6_port == b->sin6_port && a->sin6_scope_id == b->sin6_scope_id &&
         memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
}

uint32_t hashPeer(const sockaddr_storage& from) {
  uint32_t h;
  if (from.ss_family == AF_INET) {
    auto v4 = reinterpret_cast<const sockaddr_in*>(&from);
    h = v4->sin_addr.s_addr ^ (uint32_t(v4->sin_port) << 16);
  } else {
    auto v6 = reinterpret_cast<const sockaddr_in6*>(&from);
    uint32_t words[4];
    memcpy(words, &v6->sin6_addr, sizeof(words));
    h = words[0] ^ words[1] ^ words[2] ^ words[3] ^ (uint32_t(v6->sin6_port) << 16);
  }
  return (h * 2654435761u) >> 22;  // Knuth's multiplicative hash onto 10 bits (kPeerSlots)
}

}  // namespace

BatchSocket::BatchSocket(bool ipv6, size_t maxDatagram)
    : ipv6_(ipv6), maxDatagram_(maxDatagram), slab_(size_t(kBatch) * maxDatagram) {
  static_assert(kPeerSlots == 1 << 10, "hashPeer maps onto 10 bits");
  memset(peers_, 0, sizeof(peers_));
  fd_ = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) openError_ = -errno;
  for (int i = 0; i < kBatch; i++) {
    vectors_[i] = {slab_.data() + size_t(i) * maxDatagram, maxDatagram};
    messages_[i].msg_hdr = {};
    messages_[i].msg_hdr.msg_iov = &vectors_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &sources_[i];
  }
}

BatchSocket::~BatchSocket() { close(); }

void BatchSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  queue_.clear();
  queuedBytes_ = 0;
}

int BatchSocket::bind(const char* host, int port, bool sharePort) {
  int on = 1;
  // Several worker processes may each bind the port: the kernel spreads peers among them by address.
  if (sharePort && setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) return -errno;
  sockaddr_storage address = {};
  socklen_t length;
  if (ipv6_) {
    auto v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) != 1) return -EINVAL;
    length = sizeof(sockaddr_in6);
  } else {
    auto v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    if (inet_pton(AF_INET, host, &v4->sin_addr) != 1) return -EINVAL;
    length = sizeof(sockaddr_in);
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) return -errno;
  length = sizeof(address);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -errno;
  return ntohs(ipv6_ ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

int BatchSocket::setReceiveBuffer(int bytes) {
  return setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0 ? 0 : -errno;
}

int BatchSocket::receiveBuffer() const {
  int bytes = 0;
  socklen_t length = sizeof(bytes);
  return getsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, &length) == 0 ? bytes : -errno;
}

int BatchSocket::slotOf(const sockaddr_storage& from, socklen_t length, bool* fresh) {
  int slot = int(hashPeer(from));
  *fresh = !samePeer(peers_[slot], from, length);
  if (*fresh) {
    memcpy(&peers_[slot].storage, &from, length);
    peers_[slot].length = length;
  }
  return slot;
}

int BatchSocket::receive(std::vector<Received>& out) {
  out.clear();
  for (int i = 0; i < kBatch; i++) {
    messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    messages_[i].msg_hdr.msg_flags = 0;
  }
  int count;
  do count = recvmmsg(fd_, messages_, kBatch, MSG_DONTWAIT, nullptr);
  while (count < 0 && errno == EINTR);
  if (count < 0) return wouldBlock(errno) ? 0 : -errno;
  for (int i = 0; i < count; i++) {
    const msghdr& header = messages_[i].msg_hdr;
    if (header.msg_flags & MSG_TRUNC) {
      truncated++;
      continue;
    }
    bool fresh;
    int slot = slotOf(sources_[i], header.msg_namelen, &fresh);
    out.push_back({size_t(i) * maxDatagram_, messages_[i].msg_len, slot, fresh, i});
  }
  return count;
}

Address BatchSocket::source(int message) const {
  Address address;
  address.length = messages_[message].msg_hdr.msg_namelen;
  memcpy(&address.storage, &sources_[message], address.length);
  return address;
}

void BatchSocket::enqueue(const Outgoing& datagram) {
  if (queuedBytes_ + datagram.length > kMaxQueuedBytes) {
    overflowed++;
    return;
  }
  Queued queued;
  memcpy(&queued.to.storage, datagram.to, datagram.toLength);
  queued.to.length = datagram.toLength;
  queued.data.assign(datagram.data, datagram.data + datagram.length);
  queuedBytes_ += datagram.length;
  queue_.push_back(std::move(queued));
}

int BatchSocket::send(const Outgoing* datagrams, size_t count) {
  int firstError = 0;
  size_t done = 0;
  // Behind a queue, new datagrams wait their turn: order is kept.
  while (done < count && queue_.empty()) {
    mmsghdr messages[kBatch];
    iovec vectors[kBatch];
    size_t n = count - done < size_t(kBatch) ? count - done : size_t(kBatch);
    for (size_t i = 0; i < n; i++) {
      const Outgoing& d = datagrams[done + i];
      vectors[i] = {const_cast<uint8_t*>(d.data), d.length};
      messages[i].msg_hdr = {const_cast<sockaddr*>(d.to), d.toLength, &vectors[i], 1, nullptr, 0, 0};
    }
    int sent;
    do sent = n == 1 ? (sendmsg(fd_, &messages[0].msg_hdr, MSG_DONTWAIT) < 0 ? -1 : 1) : sendmmsg(fd_, messages, unsigned(n), MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    if (sent > 0) {
      done += size_t(sent);
    } else if (wouldBlock(errno)) {
      break;
    } else {
      if (firstError == 0) firstError = -errno;
      done++;  // the datagram the kernel refused is dropped, as a failed sendto drops it
    }
  }
  for (; done < count; done++) enqueue(datagrams[done]);
  return firstError;
}

int BatchSocket::flush() {
  int firstError = 0;
  while (!queue_.empty()) {
    mmsghdr messages[kBatch];
    iovec vectors[kBatch];
    size_t n = queue_.size() < size_t(kBatch) ? queue_.size() : size_t(kBatch);
    for (size_t i = 0; i < n; i++) {
      Queued& q = queue_[i];
      vectors[i] = {q.data.data(), q.data.size()};
      messages[i].msg_hdr = {&q.to.storage, q.to.length, &vectors[i], 1, nullptr, 0, 0};
    }
    int sent;
    do sent = sendmmsg(fd_, messages, unsigned(n), MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    if (sent < 0 && wouldBlock(errno)) break;
    if (sent < 0 && firstError == 0) firstError = -errno;
    for (int i = 0; i < (sent > 0 ? sent : 1); i++) {
      queuedBytes_ -= queue_.front().data.size();
      queue_.pop_front();
    }
  }
  return firstError;
}

}  // namespace udp_batch
