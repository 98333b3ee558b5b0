import { bindBatchUdp, type BatchUdpSocket, type NativePeer, type UdpPeer, type UdpTarget } from '../udp-socket.js';

/** A route or a passed-in peer unused this long is forgotten: a live peer checks consent every few seconds. */
const IDLE_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;

interface Route {
  worker: number;
  seen: number;
}

export interface ForwarderOptions {
  /** The longest datagram passed (the shared socket's). */
  maxDatagram: number;
  /** A datagram another worker passed here, with the peer that sent it to the shared port. */
  deliver(datagram: Buffer, peer: NativePeer): void;
  /** The peer as the shared socket sends to it (its sockaddr made once). */
  peerFor(address: string, port: number): NativePeer | undefined;
  onError(error: Error): void;
}

/**
 * Under workers every worker reads the shared WebRTC port, and the kernel hands each worker the
 * datagrams of the peers whose address hashes to it, whichever worker holds their session. Those
 * of another worker's session are passed to that worker over loopback: a connectivity check
 * (STUN) names its worker in the session's ufrag, and the peer's later datagrams (DTLS, SRTP)
 * follow the route its last check set. A passed datagram carries the peer's address, so the
 * worker holding the session answers the peer itself, from the shared port.
 */
export class RtcForwarder {
  private readonly routes = new Map<string, Route>();
  /** Peers whose datagrams were passed here: one object each, so every send to one reuses its sockaddr. */
  private readonly peers = new Map<string, { peer: NativePeer; seen: number }>();
  /** Each worker's forwarding socket, its sockaddr made once. */
  private targets = new Map<number, NativePeer>();
  /** Passed datagrams are taken only from the other workers' forwarding sockets. */
  private senders = new Set<number>();
  private sweptAt = Date.now();

  private constructor(
    private readonly socket: BatchUdpSocket,
    private readonly options: ForwarderOptions,
  ) {}

  static async open(options: ForwarderOptions): Promise<RtcForwarder> {
    let forwarder: RtcForwarder | undefined;
    // Room for the longest datagram the shared socket reads, and the peer's address before it.
    const maxDatagram = options.maxDatagram + 3 + 255;
    const socket = await bindBatchUdp('127.0.0.1', 0, { onMessage: (datagram, from) => forwarder?.receive(datagram, from), onError: options.onError, maxDatagram });
    forwarder = new RtcForwarder(socket, options);
    return forwarder;
  }

  get port(): number {
    return this.socket.port;
  }

  /** Every worker's forwarding port, as the primary last told. */
  setPorts(ports: Record<number, number>): void {
    this.targets = new Map(Object.entries(ports).map(([worker, port]) => [Number(worker), this.socket.peer('127.0.0.1', port)!]));
    this.senders = new Set(Object.values(ports));
  }

  /** A check from the peer at `key` named a session of `worker`: its datagrams go there from now on. */
  route(key: string, worker: number): void {
    this.routes.set(key, { worker, seen: Date.now() });
  }

  /** The worker the peer at `key` was last routed to. */
  routeOf(key: string): number | undefined {
    const route = this.routes.get(key);
    if (route) route.seen = Date.now();
    return route?.worker;
  }

  /** Passes a datagram to `worker`; false when that worker has no forwarding port now (restarting). */
  forward(worker: number, datagram: Buffer, peer: UdpTarget): boolean {
    const target = this.targets.get(worker);
    if (!target) return false;
    // [address length][port][address][datagram], in one new buffer the send may hold.
    const addressLength = Buffer.byteLength(peer.address, 'latin1');
    const out = Buffer.allocUnsafe(3 + addressLength + datagram.length);
    out[0] = addressLength;
    out.writeUInt16BE(peer.port, 1);
    out.write(peer.address, 3, 'latin1');
    datagram.copy(out, 3 + addressLength);
    this.socket.send(out, target);
    return true;
  }

  /** Forgets routes and peers unused for a minute; cheap to call often. */
  sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    for (const [key, route] of this.routes) if (now - route.seen > IDLE_MS) this.routes.delete(key);
    for (const [key, entry] of this.peers) if (now - entry.seen > IDLE_MS) this.peers.delete(key);
  }

  close(): void {
    this.socket.close();
  }

  private receive(datagram: Buffer, from: UdpPeer): void {
    if (!this.senders.has(from.port) || datagram.length < 3) return;
    const addressLength = datagram[0]!;
    const start = 3 + addressLength;
    if (datagram.length <= start) return;
    const port = datagram.readUInt16BE(1);
    const address = datagram.toString('latin1', 3, start);
    const key = `${address}|${port}`;
    let entry = this.peers.get(key);
    if (!entry) {
      const peer = this.options.peerFor(address, port);
      if (!peer) return;
      entry = { peer, seen: 0 };
      this.peers.set(key, entry);
    }
    entry.seen = Date.now();
    this.options.deliver(datagram.subarray(start), entry.peer);
  }
}
