import type { HttpNotifyBlock, NotifyProtocol } from '../../config/schema.js';
import { AccessDenied } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Verdict } from '../caller.js';
import { quote, type DialectContext, type DialectHandler } from '../dialect.js';
import type { HookAnswer } from '../http/transport.js';
import type { OutgoingCall } from '../sender.js';
import type { Admission, ClientSession, RecordingFinished } from '../types.js';
import {
  connectFields,
  doneFields,
  encodeForm,
  playFields,
  publishFields,
  recordDoneFields,
  updateFields,
  type NotifyFields,
} from './form.js';
import { notifyBlockOf } from './protocols.js';

/** One notify block and the key of the secret that signs its calls. */
export interface NotifyBlock {
  config: HttpNotifyBlock;
  signer: string;
}

/** The vhost's block, and the blocks of protocols that have their own. */
export interface NotifyBlocks {
  vhost: NotifyBlock;
  protocols: Partial<Record<NotifyProtocol, NotifyBlock>>;
}

type NotifyEvent = 'on_connect' | 'on_publish' | 'on_play' | 'on_done' | 'on_publish_done' | 'on_play_done' | 'on_record_done' | 'on_update';

/**
 * The notify dialect (nginx-rtmp, Happytime): form-encoded POST or GET, any 2xx allows, a 3xx
 * with `Location` to on_publish / on_play renames the stream (a plain name) or relays it (an
 * `rtmp://` URL: the publish is pushed there, the played stream pulled from there), and on_update is asked every
 * `notify_update_timeout` while a session lives: a refusal ends the session. A session is served
 * by its protocol's block when there is one (Happytime's per-protocol `http_notify`), by the
 * vhost's otherwise; a disabled block calls nothing.
 */
export class NotifyHooks implements DialectHandler {
  private readonly updates = new Map<ClientSession, NodeJS.Timeout>();

  constructor(
    private readonly blocks: NotifyBlocks,
    private readonly ctx: DialectContext,
    private readonly logger: Logger,
    /** Server start, ms since the epoch: nginx's `epoch` counts from it. */
    private readonly startedAt: number,
  ) {}

  async connect(session: ClientSession): Promise<void> {
    await this.ask('on_connect', session, connectFields(session, Math.max(0, session.startedAt - this.startedAt)));
  }

  async publish(session: ClientSession): Promise<Admission> {
    const admission = await this.ask('on_publish', session, publishFields(session));
    this.startUpdates(session);
    return admission;
  }

  async play(session: ClientSession): Promise<Admission> {
    const admission = await this.ask('on_play', session, playFields(session));
    this.startUpdates(session);
    return admission;
  }

  unpublished(session: ClientSession): void {
    this.stopUpdates(session);
    this.tell('on_publish_done', session, doneFields(session, 'publish_done'));
    this.tell('on_done', session, doneFields(session, 'done'));
  }

  stopped(session: ClientSession): void {
    this.stopUpdates(session);
    this.tell('on_play_done', session, doneFields(session, 'play_done'));
    this.tell('on_done', session, doneFields(session, 'done'));
  }

  closed(session: ClientSession): void {
    this.stopUpdates(session);
  }

  recordingFinished(info: RecordingFinished): void {
    this.tell('on_record_done', info.session, recordDoneFields(info.session, info.recorder ?? '', info.file));
  }

  close(): void {
    for (const timer of this.updates.values()) clearTimeout(timer);
    this.updates.clear();
  }

  private async ask(event: NotifyEvent, session: ClientSession, fields: NotifyFields): Promise<Admission> {
    const { config, signer } = this.blockOf(session);
    const renames = event === 'on_publish' || event === 'on_play';
    const strictUpdate = event === 'on_update' && config.notify_update_strict;
    const { rename, relay } = await this.ctx.caller.decide(this.calls(config, event, session, fields), {
      signer,
      timeoutMs: config.timeout,
      failOpen: config.fail_open.includes(event) || (event === 'on_update' && !strictUpdate),
      judge: (answer) => notifyVerdict(answer, renames),
    });
    const admission: Admission = rename === undefined ? {} : { stream: rename };
    // nginx-rtmp: an rtmp:// Location pushes the publish there, or pulls the played stream from there.
    if (relay !== undefined) admission[event === 'on_publish' ? 'relayTo' : 'pullFrom'] = relay;
    return admission;
  }

  private tell(event: NotifyEvent, session: ClientSession, fields: NotifyFields): void {
    const { config, signer } = this.blockOf(session);
    this.ctx.caller.notify(this.calls(config, event, session, fields), {
      queue: `notify ${session.id}`,
      signer,
      timeoutMs: config.timeout,
      maxAgeMs: config.outbox_max_age,
    });
  }

  private blockOf(session: ClientSession): NotifyBlock {
    const protocol = notifyBlockOf(session.protocol);
    return (protocol && this.blocks.protocols[protocol]) || this.blocks.vhost;
  }

  private calls(config: HttpNotifyBlock, event: NotifyEvent, session: ClientSession, fields: NotifyFields): OutgoingCall[] {
    const urls = config[event];
    if (!config.enabled || urls.length === 0) return [];
    const form = encodeForm(fields, session.param);
    return urls.map((url) =>
      config.notify_method === 'get'
        ? { event, dialect: 'notify', method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}${form}`, contentType: '', body: '' }
        : { event, dialect: 'notify', method: 'POST', url, contentType: 'application/x-www-form-urlencoded', body: form },
    );
  }

  /** Asks on_update every period until the session ends; a refusal terminates the session. */
  private startUpdates(session: ClientSession): void {
    const { config } = this.blockOf(session);
    if (!config.enabled || config.on_update.length === 0) return;
    this.stopUpdates(session);
    const schedule = (): void => {
      const timer = setTimeout(() => void tick(), config.notify_update_timeout);
      timer.unref();
      this.updates.set(session, timer);
    };
    const tick = async (): Promise<void> => {
      try {
        await this.ask('on_update', session, updateFields(session, this.ctx.now()));
      } catch (error) {
        if (!(error instanceof AccessDenied)) {
          this.logger.error({ err: error, client: session.id }, 'on_update failed');
        } else if (this.updates.delete(session)) {
          this.logger.info({ client: session.id }, `session ended by on_update: ${error.reason}`);
          session.terminate(error.reason);
          return;
        }
      }
      // Ended while the call was out: stopUpdates removed it; do not ask again.
      if (this.updates.has(session)) schedule();
    };
    schedule();
  }

  private stopUpdates(session: ClientSession): void {
    clearTimeout(this.updates.get(session));
    this.updates.delete(session);
  }
}

/**
 * Any 2xx allows; a 3xx to on_publish / on_play with a plain name in `Location` renames, with an
 * `rtmp://` or `rtmps://` URL relays.
 */
export function notifyVerdict(answer: HookAnswer, renames: boolean): Verdict {
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  if (renames && answer.status >= 300 && answer.status < 400 && answer.location) {
    const target = answer.location.trim();
    if (/^rtmps?:\/\//i.test(target)) return { ok: true, relay: target };
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      return { ok: false, reason: `answered ${answer.status} to ${quote(target)}; only rtmp:// and rtmps:// relays are supported` };
    }
    const name = target.split('?')[0]!;
    if (name !== '') return { ok: true, rename: name };
  }
  return { ok: false, reason: `answered ${answer.status}` };
}
