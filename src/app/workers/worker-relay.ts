import { rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Stream } from '../../hub/stream.js';
import type { StreamHub } from '../../hub/stream-hub.js';
import type { AudioPacket } from '../../transcode/types.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { StreamName } from './directory.js';
import type { IpcChannel } from './ipc.js';
import { LinkDecoder, type LinkMessage } from './link-codec.js';
import { RelayIn } from './relay-in.js';
import { RelayOut } from './relay-out.js';
import { RelayUpstream } from './relay-upstream.js';

/** Where worker `index` takes links from the others. */
export function linkPath(dir: string, index: number): string {
  return join(dir, `worker-${index}.sock`);
}

interface Relay {
  stream: Stream;
  out: RelayOut;
}

interface OutLink {
  socket: Socket;
  nextIndex: number;
  /** Its relays by their index on the link, which the other worker's requests name. */
  relays: Map<number, Relay>;
}

/** This worker's WebRTC server as the relay serves other workers' WebRTC players from it. */
export interface LocalRtc {
  /** The stream's Opus as this worker's own WebRTC players get it; returns the unsubscribe. */
  localAudio(stream: Stream, listener: (packet: AudioPacket) => void): () => void;
  /** Asks a WebRTC publisher here for a keyframe. */
  requestKeyframe(stream: Stream): boolean;
}

/**
 * A worker's share of the cross-worker relay: it tells the directory which streams have viewers
 * here, relays the streams it publishes to the workers the directory names (one Unix socket per
 * pair, one reader per stream and worker), and publishes what other workers relay to it. What
 * its WebRTC players ask of those workers goes through `upstream`.
 */
export class WorkerRelay {
  readonly upstream: RelayUpstream;
  private server: Server | undefined;
  private readonly links = new Map<number, OutLink>();
  /** Relays by stream key, then by the worker they go to. */
  private readonly outs = new Map<string, Map<number, Relay>>();
  private readonly incoming = new Set<Socket>();
  private readonly removers: Array<() => void> = [];

  constructor(
    private readonly index: number,
    private readonly dir: string,
    private readonly hub: StreamHub,
    private readonly channel: IpcChannel,
    private readonly logger: Logger,
    private readonly rtc?: LocalRtc,
  ) {
    this.upstream = new RelayUpstream(logger);
  }

  async start(): Promise<void> {
    const path = linkPath(this.dir, this.index);
    rmSync(path, { force: true });
    const server = createServer((socket) => {
      this.incoming.add(socket);
      socket.on('close', () => this.incoming.delete(socket));
      new RelayIn(socket, this.hub, this.upstream, this.logger);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    this.channel.handle('relay.open', (body: StreamName & { to: number }) => this.open(body, body.to));
    this.channel.handle('relay.close', (body: StreamName & { to: number }) => this.close(body, body.to));
    this.removers.push(
      this.hub.watched.add(({ stream, watched }) => {
        this.channel.note('dir.watch', { vhost: stream.vhost, app: stream.app, name: stream.name, watching: watched });
      }),
      this.hub.publishers.add(({ stream, publishing }) => this.control(stream, publishing)),
    );
    // Players that arrived before this worker joined.
    for (const stream of this.hub.list()) {
      if (![...stream.readers].some((reader) => !reader.internal)) continue;
      this.channel.note('dir.watch', { vhost: stream.vhost, app: stream.app, name: stream.name, watching: true });
    }
  }

  /** Readers of relayed streams held here, for the API and metrics. */
  get relaysOut(): number {
    let count = 0;
    for (const byWorker of this.outs.values()) count += byWorker.size;
    return count;
  }

  async stop(): Promise<void> {
    for (const remove of this.removers.splice(0)) remove();
    for (const [key, byWorker] of this.outs) {
      for (const [to, relay] of byWorker) {
        relay.out.control('end');
        this.drop(relay);
        byWorker.delete(to);
      }
      this.outs.delete(key);
    }
    for (const link of this.links.values()) link.socket.end();
    for (const socket of this.incoming) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private open(name: StreamName, to: number): void {
    const stream = this.hub.acquire(name.vhost, name.app, name.name);
    let byWorker = this.outs.get(stream.key);
    if (!byWorker) this.outs.set(stream.key, (byWorker = new Map()));
    if (byWorker.has(to)) return;
    const link = this.link(to);
    const out = new RelayOut(link.nextIndex++, link.socket, JSON.stringify([name.vhost, name.app, name.name]));
    const relay = { stream, out };
    byWorker.set(to, relay);
    link.relays.set(out.index, relay);
    if (stream.publisher && !stream.publisher.mirror) out.control('publish', stream.publisher.protocol);
    stream.addReader(out);
  }

  private close(name: StreamName, to: number): void {
    const stream = this.hub.find(name.vhost, name.app, name.name);
    const byWorker = stream && this.outs.get(stream.key);
    const relay = byWorker?.get(to);
    if (!relay) return;
    byWorker!.delete(to);
    if (byWorker!.size === 0) this.outs.delete(stream!.key);
    relay.out.control('end');
    this.drop(relay);
    this.links.get(to)?.relays.delete(relay.out.index);
  }

  private drop(relay: Relay): void {
    relay.out.relayOpus(undefined);
    relay.stream.removeReader(relay.out);
  }

  private control(stream: Stream, publishing: boolean): void {
    for (const { out } of this.outs.get(stream.key)?.values() ?? []) {
      if (publishing) out.control('publish', stream.publisher!.protocol);
      else out.control('unpublish');
    }
  }

  /** The other worker's request about a stream relayed to it: its Opus, or a keyframe. */
  private request(link: OutLink, message: LinkMessage): void {
    const relay = link.relays.get(message.index);
    if (!relay) return;
    switch (message.type) {
      case 'opus-on': {
        const rtc = this.rtc;
        if (!rtc) return;
        try {
          return relay.out.relayOpus((listener) => rtc.localAudio(relay.stream, listener));
        } catch (error) {
          this.logger.warn({ err: error, stream: relay.stream.key }, 'opus for another worker\'s WebRTC players failed');
          return;
        }
      }
      case 'opus-off':
        return relay.out.relayOpus(undefined);
      case 'keyframe':
        this.rtc?.requestKeyframe(relay.stream);
        return;
      default:
        throw new ProtocolError(`worker link: ${message.type} from the receiving side`);
    }
  }

  private link(to: number): OutLink {
    const existing = this.links.get(to);
    if (existing && !existing.socket.destroyed) return existing;
    const socket = connect(linkPath(this.dir, to));
    socket.setNoDelay?.(true);
    const link: OutLink = { socket, nextIndex: 1, relays: new Map() };
    this.links.set(to, link);
    const decoder = new LinkDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (message) => this.request(link, message));
      } catch (error) {
        this.logger.warn({ err: error, worker: to }, 'worker link broken, closed');
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.logger.warn({ err: error, worker: to }, 'worker link failed'));
    socket.on('close', () => this.linkLost(to, link));
    return link;
  }

  /** The other worker is gone: what was relayed to it stops (the directory forgets it too). */
  private linkLost(to: number, link: OutLink): void {
    if (this.links.get(to) === link) this.links.delete(to);
    for (const [key, byWorker] of this.outs) {
      const relay = byWorker.get(to);
      if (!relay) continue;
      byWorker.delete(to);
      if (byWorker.size === 0) this.outs.delete(key);
      this.drop(relay);
    }
  }
}
