import type { Socket } from 'node:net';
import { followTracks } from '../../codecs/describe.js';
import type { ClientSession } from '../../gate/types.js';
import type { Publisher, Stream } from '../../hub/stream.js';
import type { StreamHub } from '../../hub/stream-hub.js';
import type { Logger } from '../../util/logger.js';
import { LinkDecoder, type LinkMessage } from './link-codec.js';

interface Relayed {
  vhost: string;
  app: string;
  name: string;
  attached?: { stream: Stream; publisher: Publisher };
}

/**
 * The receiving end of one worker's link: each stream it relays is published into this worker's
 * hub by a mirror publisher (gated where it was published; no hooks, HLS, DVR or forwards here),
 * so this worker's players are ordinary readers of it.
 */
export class RelayIn {
  private readonly streams = new Map<number, Relayed>();
  private readonly decoder = new LinkDecoder();

  constructor(
    socket: Socket,
    private readonly hub: StreamHub,
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
      case 'publish':
        return this.attach(relayed, message.index);
      case 'unpublish':
        return this.detach(relayed);
      case 'end':
        this.detach(relayed);
        this.streams.delete(message.index);
    }
  }

  /** Only while it has viewers here: a stream nobody watches is not created for the relay. */
  private attach(relayed: Relayed, index: number): void {
    const stream = this.hub.find(relayed.vhost, relayed.app, relayed.name);
    if (!stream || relayed.attached) return;
    const publisher: Publisher = {
      id: `relay-${index}`,
      protocol: 'worker-relay',
      session: mirrorSession(relayed, `relay-${index}`),
      mirror: true,
      close: () => this.detach(relayed),
    };
    if (!stream.attachPublisher(publisher)) {
      this.logger.warn({ stream: `${relayed.app}/${relayed.name}` }, 'relayed stream already has a publisher here');
      return;
    }
    relayed.attached = { stream, publisher };
  }

  private detach(relayed: Relayed): void {
    const attached = relayed.attached;
    relayed.attached = undefined;
    attached?.stream.detachPublisher(attached.publisher);
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
