import { followTracks } from '../../codecs/describe.js';
import type { Publisher, Stream } from '../../hub/stream.js';
import type { MediaFrame } from '../../media/frame.js';
import type { TransportSpec } from '../../protocols/rtsp/transport.js';
import { randomId } from '../../util/ids.js';
import type { ServerContext } from '../context.js';
import type { SessionInfo } from '../session-info.js';
import type { PlayTrack } from './play-tracks.js';
import { RtspPlayer } from './rtsp-play.js';
import { RtspRecorder } from './rtsp-record.js';

/**
 * One admitted RTSP session, from the gate's yes to its end: a player (DESCRIBE, SETUP, PLAY)
 * or a publisher (ANNOUNCE, SETUP, RECORD). `end` is the one place everything is given back:
 * reader or publisher, the gate's closing callbacks, the registry entry and the log line.
 */
export class RtspSession {
  /** The RTSP Session header's id. */
  readonly id = randomId(12);
  readonly player: RtspPlayer | undefined;
  readonly recorder: RtspRecorder | undefined;
  private publishing: { stream: Stream; publisher: Publisher } | undefined;
  private playStream: Stream | undefined;
  private recording = false;
  private ended = false;

  constructor(
    private readonly ctx: ServerContext,
    readonly info: SessionInfo,
    role: { play: readonly PlayTrack[] } | { publish: RtspRecorder['tracks'][number]['media'][] },
    private readonly close: (reason: string) => void,
    /** Gives back what DESCRIBE took for this player: its hold on the stream, and the pull a notify on_play 3xx started. */
    private readonly release?: () => void,
  ) {
    if ('play' in role) this.player = new RtspPlayer(role.play);
    else this.recorder = new RtspRecorder(role.publish, (frame) => this.ingest(frame));
  }

  get mode(): 'play' | 'publish' {
    return this.player ? 'play' : 'publish';
  }

  /** Claims the stream for this publisher, also pushed to `relayTo` (notify on_publish 3xx); false when it already has one. */
  claim(relayTo?: string): boolean {
    const stream = this.ctx.hub.acquire(this.info.vhost, this.info.app, this.info.stream);
    const publisher: Publisher = { id: this.info.id, protocol: 'rtsp', session: this.info, close: (reason) => this.close(reason) };
    if (!stream.attachPublisher(publisher)) return false;
    this.publishing = { stream, publisher };
    this.ctx.sessions.add(this.info, 'rtsp-publish');
    if (relayTo) this.ctx.relays?.relayTo(stream, relayTo);
    return true;
  }

  /** The transport of the tracks set up so far (all of a session's tracks share one). */
  get transport(): TransportSpec['protocol'] | undefined {
    if (this.player) return this.player.transport;
    return this.recorder!.tracks.find((track) => track.transport)?.transport?.protocol;
  }

  record(): void {
    if (this.recording) return;
    this.recording = true;
    const unsupported = this.recorder?.unsupported ?? [];
    this.ctx.logger.info({ ...this.fields(), param: this.info.param, transport: this.transport, ...(unsupported.length ? { ignored: unsupported } : {}) }, 'publish start');
  }

  get isRecording(): boolean {
    return this.recording;
  }

  /** Starts (or resumes) sending to a player. */
  play(start: (player: RtspPlayer, stream: Stream) => void): void {
    const player = this.player!;
    if (player.playing) return;
    const first = this.playStream === undefined;
    this.playStream = this.ctx.hub.acquire(this.info.vhost, this.info.app, this.info.stream);
    if (first) {
      this.ctx.sessions.add(this.info, 'rtsp-play');
      this.ctx.logger.info({ ...this.fields(), param: this.info.param, transport: this.transport }, 'play start');
    }
    start(player, this.playStream);
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.player) {
      this.player.stop();
      this.ctx.gate.stopped(this.info);
    }
    this.release?.();
    if (this.publishing) {
      this.publishing.stream.detachPublisher(this.publishing.publisher);
      this.ctx.gate.unpublished(this.info);
    }
    this.ctx.gate.closed(this.info);
    this.ctx.sessions.remove(this.info);
    const damage = this.recorder?.damage ? { damaged_packets: this.recorder.damage, last_damage: this.recorder.lastDamage } : {};
    this.ctx.logger.info(
      { ...this.fields(), transport: this.transport, sent: this.info.bytesSent(), received: this.info.bytesReceived(), duration_ms: Date.now() - this.info.startedAt, ...damage, reason },
      'session end',
    );
  }

  private ingest(frame: MediaFrame): void {
    const stream = this.publishing?.stream;
    if (!stream || !this.recording) return;
    followTracks(stream, frame);
    stream.push(frame);
  }

  private fields(): Record<string, string> {
    return { client: this.info.id, ip: this.info.ip, protocol: 'rtsp', stream: this.info.path };
  }
}
