import type { Socket } from 'node:net';
import { followTracks } from '../../codecs/describe.js';
import type { ClientSession } from '../../gate/types.js';
import type { Publisher, Stream } from '../../hub/stream.js';
import type { StreamHub } from '../../hub/stream-hub.js';
import { ProtocolError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { encodeControl, LinkDecoder, type LinkMessage } from './link-codec.js';
import type { RelaySupplier, RelayUpstream } from './relay-upstream.js';

interface Relayed {
  vhost: string;
  app: string;
  name: string;
  attached?: { stream: Stream; publisher: Publisher; supplier: RelaySupplier };
}

/**
 * The receiving end of one worker's link: each stream it relays is published into this worker's
 * hub by a mirror publisher (gated where it was published; no hooks, HLS, DVR or forwards here),
 * so this worker's players are ordinary readers of it. The mirror publisher takes the real one's
 * protocol, so the reach policy (rtc_to_rtmp, rtmp_to_rtc) keeps readers here as it does there.
 * Over the same socket it asks back for the stream's Opus and keyframes (RelayUpstream).
 */
export class RelayIn {
  private readonly streams = new Map<number, Relayed>();
  private readonly decoder = new LinkDecoder();

  constructor(
    private readonly socket: Socket,
    private readonly hub: StreamHub,
    private readonly upstream: RelayUpstream,
    private readonly logger: Logger,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.decoder.push(chunk, (message) => this.receive(message));
      } catch (error) {
        logger.warn({ err: error }, 'worker link broken, closed');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      for (const relayed of this.streams.values()) this.detach(relayed);
      this.streams.clear();
    });
  }

  private receive(message: LinkMessage): void {
    if (message.type === 'open') {
      const [vhost, app, name] = JSON.parse(message.key) as [string, string, string];
      this.streams.set(message.index, { vhost, app, name });
      return;
    }
    const relayed = this.streams.get(message.index);
    if (!relayed) return;
    switch (message.type) {
      case 'frame': {
        const stream = relayed.attached?.stream;
        if (!stream) return;
        followTracks(stream, message.frame);
        stream.push(message.frame);
        return;
      }
      case 'opus': {
        const attached = relayed.attached;
        const timestamp = attached?.stream.streamTime(message.packet.timestamp);
        if (timestamp === undefined) return;
        this.upstream.deliver(attached!.stream.key, attached!.supplier, { timestamp, data: message.packet.data });
        return;
      }
      case 'publish':
        return this.attach(relayed, message.index, message.protocol);
      case 'unpublish':
        return this.detach(relayed);
      case 'end':
        this.detach(relayed);
        this.streams.delete(message.index);
        return;
      default:
        // Requests go the other way: like garbage, one arriving here breaks the link (as in WorkerRelay).
        throw new ProtocolError(`worker link: ${message.type} from the relaying side`);
    }
  }

  /** Only while it has viewers here: a stream nobody watches is not created for the relay. */
  private attach(relayed: Relayed, index: number, protocol: string): void {
    const stream = this.hub.find(relayed.vhost, relayed.app, relayed.name);
    if (!stream || relayed.attached) return;
    const publisher: Publisher = {
      id: `relay-${index}`,
      protocol,
      session: mirrorSession(relayed, `relay-${index}`),
      mirror: true,
      close: () => this.detach(relayed),
    };
    if (!stream.attachPublisher(publisher)) {
      this.logger.warn({ stream: `${relayed.app}/${relayed.name}` }, 'relayed stream already has a publisher here');
      return;
    }
    const supplier: RelaySupplier = {
      wantOpus: (on) => this.ask(on ? 'opus-on' : 'opus-off', index),
      requestKeyframe: () => this.ask('keyframe', index),
    };
    relayed.attached = { stream, publisher, supplier };
    this.upstream.attached(stream.key, supplier);
  }

  private detach(relayed: Relayed): void {
    const attached = relayed.attached;
    relayed.attached = undefined;
    if (!attached) return;
    this.upstream.detached(attached.stream.key, attached.supplier);
    attached.stream.detachPublisher(attached.publisher);
  }

  private ask(type: 'opus-on' | 'opus-off' | 'keyframe', index: number): void {
    if (!this.socket.destroyed) this.socket.write(encodeControl(type, index));
  }
}

/** The session a mirror publisher names; no gate or API sees it. */
function mirrorSession(relayed: Relayed, id: string): ClientSession {
  return {
    id, protocol: 'rtmp', ip: '', vhost: relayed.vhost, app: relayed.app, stream: relayed.name, param: '',
    tcUrl: `rtmp://${relayed.vhost}/${relayed.app}`, pageUrl: '', swfUrl: '', flashVer: '', requestUrl: '',
    startedAt: Date.now(), bytesSent: () => 0, bytesReceived: () => 0, terminate: () => {},
  };
}
