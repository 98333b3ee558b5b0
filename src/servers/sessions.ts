import type { ClientSession } from '../gate/types.js';
import { streamName, streamUrl } from '../gate/srs/payloads.js';
import { Traffic } from './traffic.js';
import { ClientIds } from '../util/ids.js';

/** SRS's client type names (srs_client_type_string). WebSocket-FLV players are `flv-play` too, as in SRS. */
export type ClientType = 'fmle-publish' | 'flash-publish' | 'rtmp-play' | 'flv-play' | 'hls-play' | 'srt-publish' | 'srt-play' | 'rtsp-publish' | 'rtsp-play' | 'rtc-publish' | 'rtc-play' | 'pull-publish';

/** An SRT session's link as it is now: round trip, packets it lost (received) and resent (sent). */
export interface SrtLinkFigures {
  rtt_ms: number;
  pkt_loss: number;
  pkt_retrans: number;
}

/** A WebRTC session's link: round trip, packets lost (received, or reported by the peer), NACKs and PLIs. */
export interface RtcLinkFigures {
  rtt_ms: number;
  pkt_loss: number;
  nack_received: number;
  nack_sent: number;
  pli_received: number;
  pli_sent: number;
  pkt_retrans: number;
}

/** What protocol servers tell the registry: a session was admitted to publish or play, and it ended. */
export interface SessionTracker {
  /** The id of a session that starts: unique in the server (under workers, it names the worker). */
  newId(): string;
  /** `srtLink` reads an SRT session's link figures when the APIs list it. */
  add(session: ClientSession, type: ClientType, srtLink?: () => SrtLinkFigures, rtcLink?: () => RtcLinkFigures): void;
  remove(session: ClientSession): void;
}

export interface LiveClient {
  readonly session: ClientSession;
  readonly type: ClientType;
  readonly publish: boolean;
  /** The stream's URL (`/app/stream`, the key of its `vid-` id). */
  readonly streamUrl: string;
  readonly traffic: Traffic;
  readonly srtLink: (() => SrtLinkFigures) | undefined;
  readonly rtcLink: (() => RtcLinkFigures) | undefined;
  /** The session's byte counters as last added to the totals. */
  counted: { sent: number; received: number };
}

/** A stream as its clients see it; it lives while it has clients (its publisher is one). */
export interface StreamStats {
  readonly url: string;
  readonly vhost: string;
  readonly app: string;
  readonly name: string;
  tcUrl: string;
  readonly clients: Set<LiveClient>;
  readonly traffic: Traffic;
  /** The last publisher's client id, kept after it leaves (as SRS's `publish.cid`). */
  publisherId: string | undefined;
}

const TICK_MS = 2000;

/**
 * Every live client session of every protocol, by id, with the streams and vhosts they belong
 * to and the bytes they move (totals and 30 s rates). One per server, passed in, never global.
 */
export class SessionRegistry implements SessionTracker {
  private readonly clients = new Map<string, LiveClient>();
  private readonly streams = new Map<string, StreamStats>();
  private readonly vhosts = new Map<string, Traffic>();
  readonly total = new Traffic();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly ids = new ClientIds(),
    private readonly clock: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  newId(): string {
    return this.ids.next();
  }

  add(session: ClientSession, type: ClientType, srtLink?: () => SrtLinkFigures, rtcLink?: () => RtcLinkFigures): void {
    if (this.clients.has(session.id)) return;
    const url = streamUrl(session);
    let stream = this.streams.get(url);
    if (!stream) {
      stream = {
        url,
        vhost: session.vhost,
        app: session.app,
        name: streamName(session),
        tcUrl: session.tcUrl,
        clients: new Set(),
        traffic: new Traffic(),
        publisherId: undefined,
      };
      this.streams.set(url, stream);
    }
    const publish = type.endsWith('-publish');
    const client: LiveClient = {
      session,
      type,
      publish,
      streamUrl: url,
      traffic: new Traffic(),
      srtLink,
      rtcLink,
      counted: { sent: session.bytesSent(), received: session.bytesReceived() },
    };
    // What a connection moved before it was admitted (handshake, commands) counts for it alone.
    client.traffic.add(client.counted.sent, client.counted.received);
    if (publish) {
      stream.publisherId = session.id;
      stream.tcUrl = session.tcUrl;
    }
    stream.clients.add(client);
    this.clients.set(session.id, client);
    if (!this.vhosts.has(session.vhost)) this.vhosts.set(session.vhost, new Traffic());
  }

  remove(session: ClientSession): void {
    const client = this.clients.get(session.id);
    if (!client) return;
    this.collect(client);
    this.clients.delete(session.id);
    const stream = this.streams.get(client.streamUrl);
    stream?.clients.delete(client);
    if (stream && stream.clients.size === 0) this.streams.delete(stream.url);
  }

  /** Ends a client's session whatever its protocol; false when no such client is live. */
  kick(id: string): boolean {
    const client = this.clients.get(id);
    if (!client) return false;
    client.session.terminate('kicked off by the HTTP API');
    return true;
  }

  client(id: string): LiveClient | undefined {
    this.collectAll();
    return this.clients.get(id);
  }

  /** Live clients, ordered by id (as SRS lists them). */
  listClients(): LiveClient[] {
    this.collectAll();
    return [...this.clients.values()].sort((a, b) => compare(a.session.id, b.session.id));
  }

  listStreams(): StreamStats[] {
    this.collectAll();
    return [...this.streams.values()];
  }

  /** Vhosts that have had a client since the start, with their traffic. */
  listVhosts(): Array<{ name: string; traffic: Traffic; clients: number }> {
    this.collectAll();
    return [...this.vhosts].map(([name, traffic]) => ({ name, traffic, clients: this.countIn(name) }));
  }

  get size(): number {
    return this.clients.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private countIn(vhost: string): number {
    let count = 0;
    for (const client of this.clients.values()) if (client.session.vhost === vhost) count++;
    return count;
  }

  /** Adds what each client moved since last time to its own, its stream's, its vhost's and the server's totals. */
  private collect(client: LiveClient): void {
    const sent = client.session.bytesSent();
    const received = client.session.bytesReceived();
    const ds = Math.max(0, sent - client.counted.sent);
    const dr = Math.max(0, received - client.counted.received);
    client.counted = { sent, received };
    if (ds === 0 && dr === 0) return;
    client.traffic.add(ds, dr);
    this.streams.get(client.streamUrl)?.traffic.add(ds, dr);
    this.vhosts.get(client.session.vhost)?.add(ds, dr);
    this.total.add(ds, dr);
  }

  private collectAll(): void {
    for (const client of this.clients.values()) this.collect(client);
  }

  private tick(): void {
    this.collectAll();
    const now = this.clock();
    this.total.sample(now);
    for (const traffic of this.vhosts.values()) traffic.sample(now);
    for (const stream of this.streams.values()) stream.traffic.sample(now);
    for (const client of this.clients.values()) client.traffic.sample(now);
  }
}

/** Byte order, as a C++ std::map of strings sorts. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
