import type { RemoteInfo, Socket } from 'node:dgram';
import { bindUdp } from '../listen.js';
import type { Logger } from '../../util/logger.js';

/** Where a client's datagrams go: its RTP or its RTCP, by the address and port it sends from. */
export type DatagramHandler = (data: Buffer, rtcp: boolean) => void;

const PAIR_ATTEMPTS = 20;

/**
 * The process's one pair of UDP ports for every RTSP session it holds (RTP on an even port, RTCP
 * on the next, as RTP/AVP expects); under workers each worker binds its own pair. Incoming
 * datagrams are routed by their source address and port to the session that announced them in
 * SETUP; anything else is dropped.
 */
export class UdpPair {
  private readonly routes = new Map<string, DatagramHandler>();
  private rtp: Socket | undefined;
  private rtcp: Socket | undefined;

  constructor(private readonly logger: Logger) {}

  get ports(): [number, number] {
    return [this.rtp?.address().port ?? 0, this.rtcp?.address().port ?? 0];
  }

  /** Binds `port` and `port + 1`; with 0, tries random even ports until a pair is free. */
  async start(host: string, port: number): Promise<void> {
    for (let attempt = 0; attempt < (port === 0 ? PAIR_ATTEMPTS : 1); attempt++) {
      const base = port === 0 ? 20000 + 2 * Math.floor(Math.random() * 20000) : port;
      // Exclusive: a worker's sessions' datagrams must reach that worker, never a sibling sharing the port.
      const rtp = await bindUdp(host, base, true).catch(() => undefined);
      if (!rtp) continue;
      const rtcp = await bindUdp(host, base + 1, true).catch(() => undefined);
      if (!rtcp) {
        rtp.close();
        continue;
      }
      this.rtp = rtp;
      this.rtcp = rtcp;
      rtp.on('message', (data, peer) => this.receive(data, peer, false));
      rtcp.on('message', (data, peer) => this.receive(data, peer, true));
      for (const socket of [rtp, rtcp]) socket.on('error', (error) => this.logger.warn({ err: error.message }, 'rtsp udp socket error'));
      return;
    }
    throw new Error(`cannot bind the RTSP UDP ports ${port === 0 ? '(no free pair)' : `${port}-${port + 1}`}`);
  }

  /** Routes datagrams from `address:port` to `handler`; returns the function that stops it. */
  route(address: string, port: number, handler: DatagramHandler): () => void {
    const key = `${address}|${port}`;
    this.routes.set(key, handler);
    return () => {
      if (this.routes.get(key) === handler) this.routes.delete(key);
    };
  }

  send(data: Buffer, address: string, port: number, rtcp: boolean): void {
    (rtcp ? this.rtcp : this.rtp)?.send(data, port, address);
  }

  async stop(): Promise<void> {
    await Promise.all([this.rtp, this.rtcp].map((socket) => (socket ? new Promise<void>((resolve) => socket.close(() => resolve())) : undefined)));
    this.rtp = this.rtcp = undefined;
  }

  private receive(data: Buffer, peer: RemoteInfo, rtcp: boolean): void {
    const address = peer.address.startsWith('::ffff:') ? peer.address.slice(7) : peer.address;
    this.routes.get(`${address}|${peer.port}`)?.(data, rtcp);
  }
}
