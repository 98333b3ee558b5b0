import type { HttpHooksConfig } from '../../config/schema.js';
import type { OutgoingCall } from '../sender.js';
import type { DialectContext, DialectHandler } from '../dialect.js';
import type { Admission, ClientSession, HlsSegmentClosed, Protocol, RecordingFinished } from '../types.js';
import { srsJson, SrsPayloads, type SrsPayload } from './payloads.js';
import { srsVerdict } from './verdict.js';

type GateEvent = 'on_connect' | 'on_publish' | 'on_play';

// on_hls_notify only warms a CDN: not worth retrying for long.
const HLS_NOTIFY_MAX_AGE_MS = 60_000;
/** Protocols with a connection of their own: on_connect before the first publish or play, on_close at the end. */
const CONNECTED: ReadonlySet<Protocol> = new Set(['rtmp', 'srt', 'rtsp']);

/**
 * The SRS dialect: JSON POSTs in SRS's shapes and order of events. RTMP clients get on_connect
 * once, at their first publish or play (so it carries the stream), and on_close when they leave;
 * HTTP players get only on_play and on_stop.
 */
export class SrsHooks implements DialectHandler {
  private readonly payloads: SrsPayloads;
  private readonly connected = new WeakSet<ClientSession>();

  constructor(
    private readonly config: HttpHooksConfig,
    private readonly ctx: DialectContext,
    private readonly signer: string,
  ) {
    this.payloads = new SrsPayloads(ctx.identity, (url) => ctx.streamIds.of(url));
  }

  async publish(session: ClientSession): Promise<Admission> {
    await this.connectOnce(session);
    await this.ask('on_publish', this.payloads.publish(session, 'on_publish'));
    return {};
  }

  async play(session: ClientSession): Promise<Admission> {
    await this.connectOnce(session);
    await this.ask('on_play', this.payloads.play(session));
    return {};
  }

  unpublished(session: ClientSession): void {
    this.tell(session, this.config.on_unpublish, this.payloads.publish(session, 'on_unpublish'));
  }

  stopped(session: ClientSession): void {
    this.tell(session, this.config.on_stop, this.payloads.stop(session));
  }

  closed(session: ClientSession): void {
    if (CONNECTED.has(session.protocol)) this.tell(session, this.config.on_close, this.payloads.close(session));
  }

  recordingFinished(info: RecordingFinished): void {
    this.tell(info.session, this.config.on_dvr, this.payloads.dvr(info));
  }

  hlsSegment(info: HlsSegmentClosed): void {
    this.tell(info.session, this.config.on_hls, this.payloads.hls(info));
    const calls = this.config.on_hls_notify.map((template): OutgoingCall => ({
      event: 'on_hls_notify',
      dialect: 'srs',
      method: 'GET',
      url: this.payloads.hlsNotifyUrl(template, info),
      contentType: 'application/json',
      body: '',
    }));
    this.ctx.caller.notify(calls, {
      queue: `srs-hls-notify ${info.session.id}`,
      signer: this.signer,
      timeoutMs: this.config.timeout,
      maxAgeMs: Math.min(this.config.outbox_max_age, HLS_NOTIFY_MAX_AGE_MS),
      maxAnswerBytes: info.notifyAnswerBytes,
    });
  }

  private async connectOnce(session: ClientSession): Promise<void> {
    if (!CONNECTED.has(session.protocol) || this.connected.has(session)) return;
    this.connected.add(session);
    await this.ask('on_connect', this.payloads.connect(session));
  }

  private async ask(event: GateEvent, payload: SrsPayload): Promise<void> {
    await this.ctx.caller.decide(this.calls(this.config[event], payload), {
      signer: this.signer,
      timeoutMs: this.config.timeout,
      failOpen: this.config.fail_open.includes(event),
      judge: srsVerdict,
    });
  }

  private tell(session: ClientSession, urls: string[], payload: SrsPayload): void {
    this.ctx.caller.notify(this.calls(urls, payload), {
      queue: `srs ${session.id}`,
      signer: this.signer,
      timeoutMs: this.config.timeout,
      maxAgeMs: this.config.outbox_max_age,
    });
  }

  private calls(urls: string[], payload: SrsPayload): OutgoingCall[] {
    if (urls.length === 0) return [];
    const body = srsJson(payload);
    return urls.map((url) => ({ event: payload.action, dialect: 'srs', method: 'POST', url, contentType: 'application/json', body }));
  }
}
