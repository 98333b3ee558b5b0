import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface LossyProxyOptions {
  /** Share of datagrams dropped, each direction (0.05: 5 %). */
  loss: number;
  /** One-way delay added to every datagram, in ms. */
  delayMs: number;
  /** Seed of the drop pattern, so a run can be repeated. */
  seed?: number;
}

/**
 * A UDP relay for one client on loopback that drops and delays datagrams both ways, as a bad
 * network would: the client talks to `port`, the relay to the target from a socket of its own.
 */
export class LossyProxy {
  private readonly front: Socket = createSocket('udp4');
  private readonly back: Socket = createSocket('udp4');
  private client: RemoteInfo | undefined;
  private state: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  dropped = 0;
  relayed = 0;

  private constructor(
    private readonly targetPort: number,
    private readonly options: LossyProxyOptions,
  ) {
    this.state = options.seed ?? 1;
    this.front.on('message', (datagram, from) => {
      this.client ??= from;
      this.relay(datagram, (d) => this.back.send(d, this.targetPort, '127.0.0.1'));
    });
    this.back.on('message', (datagram) => {
      const client = this.client;
      if (client) this.relay(datagram, (d) => this.front.send(d, client.port, client.address));
    });
  }

  static async open(targetPort: number, options: LossyProxyOptions): Promise<LossyProxy> {
    const proxy = new LossyProxy(targetPort, options);
    await Promise.all([proxy.front, proxy.back].map((socket) => new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))));
    return proxy;
  }

  get port(): number {
    return this.front.address().port;
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.front.close();
    this.back.close();
  }

  private relay(datagram: Buffer, send: (datagram: Buffer) => void): void {
    if (this.random() < this.options.loss) {
      this.dropped++;
      return;
    }
    this.relayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      send(datagram);
    }, this.options.delayMs);
    this.timers.add(timer);
  }

  /** A small seeded generator (mulberry32): the same drops on every run with the same seed. */
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
