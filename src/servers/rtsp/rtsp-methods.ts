import { inspectVideo } from '../../codecs/inspect.js';
import { basicChallenge, digestChallenge } from '../../protocols/rtsp/auth.js';
import type { RtspRequest } from '../../protocols/rtsp/message.js';
import { buildSdp, parseSdp } from '../../protocols/rtsp/sdp.js';
import { formatTransport, parseTransport } from '../../protocols/rtsp/transport.js';
import type { Admission } from '../../gate/types.js';
import type { Stream } from '../../hub/stream.js';
import { AccessDenied } from '../../util/errors.js';
import { playTracks } from './play-tracks.js';
import { askGate, hasCredentials, rtspSessionInfo, streamPath, type StreamPath } from './rtsp-admission.js';
import type { Answer, RtspConnection } from './rtsp-connection.js';
import { RtspSession } from './rtsp-session.js';
import { bytesSent } from '../direct-write.js';

const PUBLIC = 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER';

/** The RTSP methods of one connection (RFC 2326 10), answered in order. */
export class RtspMethods {
  constructor(private readonly conn: RtspConnection) {}

  handle(request: RtspRequest): Answer | Promise<Answer> {
    switch (request.method) {
      case 'OPTIONS':
        return { status: 200, headers: [['Public', PUBLIC], ...this.sessionHeader()] };
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return this.checkSession(request) ?? { status: 200, headers: this.sessionHeader() };
      case 'DESCRIBE':
        return this.describe(request);
      case 'ANNOUNCE':
        return this.announce(request);
      case 'SETUP':
        return this.setup(request);
      case 'PLAY':
        return this.play(request);
      case 'RECORD':
        return this.record(request);
      case 'PAUSE':
        return this.checkSession(request) ?? this.pause();
      case 'TEARDOWN':
        return this.checkSession(request) ?? { status: 200, headers: this.sessionHeader(), after: () => this.conn.endSession('teardown') };
      default:
        return { status: 405, headers: [['Allow', PUBLIC]] };
    }
  }

  private get ctx() {
    return this.conn.deps.ctx;
  }

  private async describe(request: RtspRequest): Promise<Answer> {
    if (this.conn.session) return { status: 455 };
    const path = streamPath(request.url);
    if (!path) return { status: 400 };
    const admitted = await this.admit(request, path, 'play');
    if ('status' in admitted) return admitted;
    const { info, admission } = admitted;
    const stream = this.ctx.hub.acquire(info.vhost, info.app, info.stream);
    // A viewer from DESCRIBE on: a stream another worker publishes is relayed here, and its tracks come.
    const unhold = stream.hold();
    // A notify on_play 3xx: the stream is pulled from there first, and DESCRIBE waits for its tracks.
    let releasePull: (() => void) | undefined;
    if (admission.pullFrom && !stream.publisher) {
      releasePull = this.ctx.relays?.pullFor(info.vhost, info.app, info.stream, admission.pullFrom);
      if (releasePull) await this.waitForTracks(stream);
    } else if (!stream.publisher && (await this.ctx.hub.publishedElsewhere?.(stream))) {
      await this.waitForTracks(stream);
    }
    const release = (): void => {
      unhold();
      releasePull?.();
    };
    const tracks = stream.publisher ? playTracks(stream.sequenceHeaders, stream.audioTrack) : [];
    if (tracks.length === 0) {
      release();
      this.refuse(info, 'play', stream.publisher ? 'no track RTSP can carry' : 'stream not found');
      return { status: 404 };
    }
    const video = stream.sequenceHeaders.video;
    if (video && !tracks.some((track) => track.kind === 'video')) {
      this.ctx.logger.info({ client: info.id, stream: info.path, track: 'video', reason: `${inspectVideo(video.body).codec} cannot be carried over RTSP` }, 'rtsp leaves a track out');
    }
    this.conn.session = new RtspSession(this.ctx, info, { play: tracks }, (reason) => this.conn.close(reason), release);
    this.conn.deps.pending.release();
    const base = `rtsp://${path.url.host}/${info.app}/${info.stream}/`;
    const sdp = buildSdp(this.conn.socket.localAddress ?? '0.0.0.0', `${info.app}/${info.stream}`, tracks.map((track) => track.sdp));
    return { status: 200, headers: [['Content-Base', base], ['Content-Type', 'application/sdp']], body: sdp };
  }

  private async announce(request: RtspRequest): Promise<Answer> {
    if (this.conn.session) return { status: 455 };
    const path = streamPath(request.url);
    if (!path) return { status: 400 };
    const media = parseSdp(request.body.toString('utf8'));
    if (media.length === 0) return { status: 400 };
    const admitted = await this.admit(request, path, 'publish');
    if ('status' in admitted) return admitted;
    const session = new RtspSession(this.ctx, admitted.info, { publish: media }, (reason) => this.conn.close(reason));
    if (!session.claim(admitted.admission.relayTo)) {
      this.refuse(admitted.info, 'publish', 'stream is already publishing');
      return { status: 400 };
    }
    this.conn.session = session;
    this.conn.deps.pending.release();
    return { status: 200, headers: this.sessionHeader() };
  }

  private setup(request: RtspRequest): Answer {
    const session = this.conn.session;
    if (!session) return { status: 455 };
    const refused = this.checkSession(request);
    if (refused) return refused;
    const spec = parseTransport(request.headers.get('transport') ?? '');
    if (!spec || (spec.protocol === 'udp' && !this.conn.deps.udp)) return { status: 461 };
    if (session.transport && session.transport !== spec.protocol) return { status: 461 };
    if (spec.protocol === 'tcp') spec.channels = [spec.channels[0], spec.channels[0] + 1];
    const index = session.player ? playTrackIndex(request.url, session.player.tracks.length) : session.recorder!.trackFor(request.url);
    if (index < 0) return { status: 404 };
    spec.record = session.mode === 'publish';
    if (session.player) session.player.setup(index, spec);
    else session.recorder!.tracks[index]!.transport = spec;
    if (spec.protocol === 'udp') this.routeUdp(index, spec.clientPorts);
    const udp = this.conn.deps.udp;
    return { status: 200, headers: [['Transport', formatTransport(spec, spec.protocol === 'udp' ? udp?.ports : undefined)], ...this.sessionHeader()] };
  }

  private play(request: RtspRequest): Answer {
    const session = this.conn.session;
    const refused = this.checkSession(request);
    if (refused) return refused;
    if (!session?.player || !session.transport) return { status: 455 };
    return {
      status: 200,
      headers: [['Range', 'npt=0.000-'], ...this.sessionHeader()],
      after: () =>
        session.play((player, stream) =>
          player.start(stream, session.info.id, this.conn.deps.outputs, { socket: this.conn.socket, udp: this.conn.deps.udp, address: this.conn.ip }, (reason) => this.conn.close(reason)),
        ),
    };
  }

  private record(request: RtspRequest): Answer {
    const session = this.conn.session;
    const refused = this.checkSession(request);
    if (refused) return refused;
    if (!session?.recorder || !session.transport) return { status: 455 };
    session.record();
    return { status: 200, headers: this.sessionHeader() };
  }

  private pause(): Answer {
    const session = this.conn.session;
    // A publisher may pause its recording (GStreamer's rtspclientsink does before its TEARDOWN): the publish stays.
    if (session?.recorder && session.isRecording) return { status: 200, headers: this.sessionHeader() };
    if (!session?.player) return { status: 455 };
    session.player.stop();
    return { status: 200, headers: this.sessionHeader() };
  }

  /** Asks the gate; a refusal is 403, or 401 with a Basic or Digest challenge when so configured and no credentials came. */
  private async admit(request: RtspRequest, path: StreamPath, action: 'publish' | 'play'): Promise<{ info: RtspSession['info']; admission: Admission } | Answer> {
    const conn = this.conn;
    const info = rtspSessionInfo(this.ctx.config.current(), this.ctx.sessions.newId(), request, path, conn.ip, {
      bytesSent: () => bytesSent(conn.socket) + (conn.session?.player?.udpBytes ?? 0),
      bytesReceived: () => conn.socket.bytesRead + conn.udpReceived,
      terminate: (reason) => conn.close(reason),
    });
    const verdict = await askGate(this.ctx.gate, info, action);
    if (!(verdict instanceof Error)) return { info, admission: verdict };
    this.ctx.gate.closed(info);
    if (!(verdict instanceof AccessDenied)) {
      this.ctx.logger.error({ client: info.id, err: verdict.message }, 'rtsp gate failed');
      return { status: 500 };
    }
    this.ctx.logger.warn({ client: info.id, ip: info.ip, stream: info.path, action, reason: verdict.reason }, `rtsp ${action} refused`);
    const challenge = this.ctx.config.current().rtsp_server.auth_challenge;
    if (challenge && !hasCredentials(request, path)) {
      return { status: 401, headers: [['WWW-Authenticate', challenge === 'digest' ? digestChallenge('Sluice') : basicChallenge('Sluice')]] };
    }
    return { status: 403 };
  }

  /**
   * Waits (up to the relay connect timeout) for the tracks of a stream pulled or relayed from
   * another worker: both, or what came within a second of the first.
   */
  private async waitForTracks(stream: Stream): Promise<void> {
    const deadline = Date.now() + this.ctx.config.current().relay.connect_timeout;
    let firstAt: number | undefined;
    while (Date.now() < deadline && !this.conn.socket.destroyed) {
      const count = stream.publisher ? playTracks(stream.sequenceHeaders, stream.audioTrack).length : 0;
      if (count >= 2) return;
      if (count > 0 && Date.now() - (firstAt ??= Date.now()) > 1000) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Gives back an admission that cannot go on (nothing to play, stream taken). */
  private refuse(info: RtspSession['info'], action: 'publish' | 'play', reason: string): void {
    this.ctx.logger.info({ client: info.id, ip: info.ip, stream: info.path, action, reason }, `rtsp ${action} refused`);
    if (action === 'play') this.ctx.gate.stopped(info);
    else this.ctx.gate.unpublished(info);
    this.ctx.gate.closed(info);
  }

  private routeUdp(index: number, ports: [number, number]): void {
    const { udp } = this.conn.deps;
    if (!udp) return;
    const conn = this.conn;
    const handler = (data: Buffer, rtcp: boolean): void => {
      conn.touch();
      conn.udpReceived += data.length;
      const session = conn.session;
      if (session?.recorder && session.isRecording) session.recorder.receive(index, data, rtcp);
    };
    const stops = [udp.route(conn.ip, ports[0], handler), udp.route(conn.ip, ports[1], handler)];
    conn.socket.once('close', () => stops.forEach((stop) => stop()));
  }

  /** 454 when the request names a session that is not this connection's (naming none is fine). */
  private checkSession(request: RtspRequest): Answer | undefined {
    const asked = request.headers.get('session')?.split(';')[0]?.trim();
    if (asked === undefined) return undefined;
    return asked === this.conn.session?.id ? undefined : { status: 454 };
  }

  private sessionHeader(): Array<readonly [string, string]> {
    const session = this.conn.session;
    return session ? [['Session', `${session.id};timeout=${this.ctx.config.current().rtsp_server.session_timeout}`]] : [];
  }
}

/** A player's SETUP names its track as `.../trackID=N`; a one-track stream may be set up by its own URL. */
function playTrackIndex(url: string, count: number): number {
  const match = /\/trackID=(\d+)\/?$/.exec(url);
  if (match) return Number(match[1]) < count ? Number(match[1]) : -1;
  return count === 1 ? 0 : -1;
}
