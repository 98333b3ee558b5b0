import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { loadNative } from '../util/native-addon.js';

/** A datagram's source or destination. A peer that keeps sending comes back as the same object. */
export interface UdpPeer {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
}

/** Where a datagram goes: a peer as it was received (its sockaddr ready), or any address and port. */
export type UdpTarget = Pick<UdpPeer, 'address' | 'port'>;

/** What a UDP server needs of its socket: the batched one below, or a fake in tests. */
export interface DatagramSocket {
  readonly port: number;
  /** Bytes the kernel refused for now (EAGAIN), held until the socket is writable. */
  readonly pendingBytes: number;
  send(datagram: Buffer, peer: UdpTarget): void;
  close(): void;
}

export interface UdpSocketOptions {
  onMessage: (datagram: Buffer, peer: UdpPeer) => void;
  /** A send the kernel refused outright (not EAGAIN, which is queued). */
  onError?: (error: Error) => void;
  /** Longest datagram read; a longer one is dropped and counted (default 2048). */
  maxDatagram?: number;
  /**
   * SO_REUSEPORT: each worker process binds the same port and the kernel gives each peer
   * (by its address) to one of them, the same one for as long as the set of sockets holds.
   */
  sharePort?: boolean;
}

/** A peer as the addon reports it, with the raw sockaddr sends take. */
export interface NativePeer extends UdpPeer {
  readonly sockaddr: Buffer;
}

interface NativeSocket {
  /** Per datagram of the batch being delivered: length, peer slot, index into `fresh` or -1. */
  readonly meta: Int32Array;
  bind(ip: string, port: number, sharePort: boolean): number;
  start(): void;
  send(to: Buffer, data: Buffer): number;
  sendBatch(to: Buffer[], data: Buffer[], count: number): number;
  pendingBytes(): number;
  setRecvBufferSize(bytes: number): void;
  getRecvBufferSize(): number;
  counters(): [truncated: number, overflowed: number];
  close(): void;
}

export interface UdpBatchAddon {
  /** `onBatch`: `count` datagrams one after another in `pool` from `start` (the pool is shared by later batches). */
  UdpBatch: new (ipv6: boolean, maxDatagram: number, onBatch: (pool: Buffer, start: number, count: number, fresh: NativePeer[] | undefined) => void) => NativeSocket;
  sockaddr(ipv6: boolean, ip: string, port: number): Buffer | undefined;
}

const PEER_SLOTS = 1024; // the addon's table of recent sources

/**
 * A UDP socket read and written in batches by the `udp-batch` native addon (recvmmsg/sendmmsg):
 * one JavaScript call per batch of datagrams instead of per datagram, each a view of a pooled
 * Buffer instead of a Buffer of its own. Sends made in one turn of the event loop leave
 * together, in one sendmmsg, when the turn's microtasks run.
 */
export class BatchUdpSocket implements DatagramSocket {
  readonly port: number;
  private readonly native: NativeSocket;
  private readonly meta: Int32Array;
  private readonly ipv6: boolean;
  /** The addon's peer table, mirrored: slot -> the peer object handed to onMessage. */
  private readonly peers: (NativePeer | undefined)[] = new Array<NativePeer | undefined>(PEER_SLOTS);
  private outTo: Buffer[] = [];
  private outData: Buffer[] = [];
  private flushQueued = false;
  private closed = false;

  constructor(
    private readonly addon: UdpBatchAddon,
    ip: string,
    port: number,
    private readonly options: UdpSocketOptions,
  ) {
    this.ipv6 = isIP(ip) === 6;
    this.native = new addon.UdpBatch(this.ipv6, options.maxDatagram ?? 2048, (pool, start, count, fresh) => this.receive(pool, start, count, fresh));
    this.meta = this.native.meta;
    try {
      this.port = this.native.bind(ip, port, options.sharePort ?? false);
    } catch (error) {
      this.native.close();
      throw error;
    }
    this.native.start();
  }

  get pendingBytes(): number {
    return this.closed ? 0 : this.native.pendingBytes();
  }

  /** Datagrams dropped: received ones longer than maxDatagram, sends over the queue's bound. */
  get dropped(): { truncated: number; overflowed: number } {
    const [truncated, overflowed] = this.native.counters();
    return { truncated, overflowed };
  }

  /** A peer met other than through this socket, its sockaddr made once for every send to it. */
  peer(address: string, port: number): NativePeer | undefined {
    const sockaddr = this.addon.sockaddr(this.ipv6, address, port);
    return sockaddr && { address, port, family: isIP(address) === 6 ? 'IPv6' : 'IPv4', sockaddr };
  }

  send(datagram: Buffer, peer: UdpTarget): void {
    if (this.closed) return;
    const to = (peer as Partial<NativePeer>).sockaddr ?? this.addon.sockaddr(this.ipv6, peer.address, peer.port);
    if (!to) return this.options.onError?.(new Error(`send to ${peer.address}: not reachable from an ${this.ipv6 ? 'IPv6' : 'IPv4'} socket`));
    this.outTo.push(to);
    this.outData.push(datagram);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends what this turn queued: one sendmsg, or one sendmmsg for several. */
  flush(): void {
    this.flushQueued = false;
    const count = this.outData.length;
    if (count === 0 || this.closed) return;
    const result = count === 1 ? this.native.send(this.outTo[0]!, this.outData[0]!) : this.native.sendBatch(this.outTo, this.outData, count);
    this.outTo = [];
    this.outData = [];
    if (result < 0) this.options.onError?.(new Error(`send ${getSystemErrorName(result)}`));
  }

  setRecvBufferSize(bytes: number): void {
    this.native.setRecvBufferSize(bytes);
  }

  getRecvBufferSize(): number {
    return this.native.getRecvBufferSize();
  }

  /** Sends what is queued, then closes: no message is delivered after this returns. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.native.close();
  }

  private receive(pool: Buffer, start: number, count: number, fresh: NativePeer[] | undefined): void {
    const { meta, peers } = this;
    let at = start;
    for (let i = 0, m = 0; i < count && !this.closed; i++, m += 3) {
      const length = meta[m]!;
      const slot = meta[m + 1]!;
      const freshIndex = meta[m + 2]!;
      if (freshIndex >= 0) peers[slot] = fresh![freshIndex];
      this.options.onMessage(pool.subarray(at, at + length), peers[slot]!);
      at += length;
    }
  }
}

/** A batched UDP socket bound to `host:port` (port 0: any free one); a host name is resolved first. */
export async function bindBatchUdp(host: string, port: number, options: UdpSocketOptions): Promise<BatchUdpSocket> {
  const ip = isIP(host) ? host : (await lookup(host)).address;
  return new BatchUdpSocket(loadNative<UdpBatchAddon>('udp-batch'), ip, port, options);
}
