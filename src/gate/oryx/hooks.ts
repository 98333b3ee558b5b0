import type { HttpHooksConfig } from '../../config/schema.js';
import type { Verdict } from '../caller.js';
import { quote, type DialectContext, type DialectHandler } from '../dialect.js';
import type { HookAnswer } from '../http/transport.js';
import type { OutgoingCall } from '../sender.js';
import { hasCodeZero } from '../srs/verdict.js';
import type { Admission, ClientSession, RecordingFinished, RecordingStarted } from '../types.js';
import { oryxRecordBegin, oryxRecordEnd, oryxStream, type OryxPayload } from './payloads.js';

const RULE = 'the body must be {"code":0}';

type OryxEvent = 'on_publish' | 'on_unpublish' | 'on_record_begin' | 'on_record_end';

/** The Oryx dialect: on_publish is the gate; unpublish and record events are informational. */
export class OryxHooks implements DialectHandler {
  constructor(
    private readonly config: HttpHooksConfig,
    private readonly ctx: DialectContext,
    private readonly signer: string,
  ) {}

  async publish(session: ClientSession): Promise<Admission> {
    await this.ctx.caller.decide(this.calls('on_publish', oryxStream(session, 'on_publish', this.config.opaque)), {
      signer: this.signer,
      timeoutMs: this.config.timeout,
      failOpen: this.config.fail_open.includes('on_publish'),
      judge: oryxVerdict,
    });
    return {};
  }

  unpublished(session: ClientSession): void {
    this.tell(session, this.calls('on_unpublish', oryxStream(session, 'on_unpublish', this.config.opaque)));
  }

  recordingStarted(info: RecordingStarted): void {
    this.tell(info.session, this.calls('on_record_begin', oryxRecordBegin(info, this.config.opaque)));
  }

  recordingFinished(info: RecordingFinished): void {
    this.tell(info.session, this.calls('on_record_end', oryxRecordEnd(info, this.config.opaque)));
  }

  private tell(session: ClientSession, calls: OutgoingCall[]): void {
    this.ctx.caller.notify(calls, {
      queue: `oryx ${session.id}`,
      signer: this.signer,
      timeoutMs: this.config.timeout,
      maxAgeMs: this.config.outbox_max_age,
    });
  }

  private calls(event: OryxEvent, payload: OryxPayload): OutgoingCall[] {
    const body = JSON.stringify(payload);
    return this.config[event].map((url) => ({ event, dialect: 'oryx', method: 'POST', url, contentType: 'application/json', body }));
  }
}

/** Oryx allows only a 200 whose body is a JSON object with `code` 0. */
export function oryxVerdict(answer: HookAnswer): Verdict {
  if (answer.status !== 200) return { ok: false, reason: `answered ${answer.status}` };
  if (answer.truncated) return { ok: false, reason: `answered an oversized body; ${RULE}` };
  if (hasCodeZero(answer.body)) return { ok: true };
  return { ok: false, reason: `answered body ${quote(answer.body)}; ${RULE}` };
}
