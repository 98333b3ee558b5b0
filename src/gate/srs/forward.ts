import type { Verdict } from '../caller.js';
import { quote, type DialectContext } from '../dialect.js';
import type { HookAnswer } from '../http/transport.js';
import type { ClientSession } from '../types.js';
import { srsParam } from './payloads.js';

/** SRS's on_forward body, in SRS 7's key order (SrsHttpHooks::on_forward_backend). */
export interface SrsForwardPayload {
  action: 'on_forward';
  server_id: string;
  service_id: string;
  client_id: string;
  ip: string;
  vhost: string;
  app: string;
  tcUrl: string;
  stream: string;
  param: string;
}

const RULE = 'expected {"code":0,"data":{"urls":[...]}}';

/**
 * Asks a forward `backend` where a new publish goes: SRS's on_forward POST, through the gate's
 * transport (signing, timeout, delivery log). Resolves with the URLs the backend named.
 */
export class ForwardBackend {
  constructor(
    private readonly ctx: DialectContext,
    /** The signer (secret) and timeout of the vhost's callbacks. */
    private readonly callOptions: (vhost: string) => { signer: string; timeoutMs: number },
  ) {}

  payload(s: ClientSession): SrsForwardPayload {
    const { serverId, serviceId } = this.ctx.identity;
    return {
      action: 'on_forward', server_id: serverId, service_id: serviceId, client_id: s.id, ip: s.ip,
      vhost: s.vhost, app: s.app, tcUrl: s.tcUrl, stream: s.stream, param: srsParam(s),
    };
  }

  /** Throws AccessDenied when the backend cannot be asked or answers something else than SRS's shape. */
  async targets(session: ClientSession, backend: string): Promise<string[]> {
    let urls: string[] = [];
    const judge = (answer: HookAnswer): Verdict => {
      const read = forwardAnswer(answer);
      if (!read.ok) return read;
      urls = read.urls;
      return { ok: true };
    };
    const body = JSON.stringify(this.payload(session));
    const call = { event: 'on_forward', dialect: 'srs', method: 'POST' as const, url: backend, contentType: 'application/json', body };
    await this.ctx.caller.decide([call], { ...this.callOptions(session.vhost), failOpen: false, judge });
    return urls;
  }
}

/** SRS's reading: status 200, a JSON object with code 0 and `data.urls`, an array (of strings; empty ones skipped). */
export function forwardAnswer(answer: HookAnswer): { ok: true; urls: string[] } | { ok: false; reason: string } {
  if (answer.status !== 200) return { ok: false, reason: `answered ${answer.status}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return { ok: false, reason: `answered ${quote(answer.body)}, not JSON; ${RULE}` };
  }
  const object = parsed as { code?: unknown; data?: { urls?: unknown } } | null;
  if (typeof object !== 'object' || object === null || object.code !== 0) {
    return { ok: false, reason: `answered ${quote(answer.body)}; ${RULE}` };
  }
  const urls = object.data?.urls;
  if (!Array.isArray(urls) || !urls.every((url) => typeof url === 'string')) {
    return { ok: false, reason: `answered ${quote(answer.body)} without a list of URLs; ${RULE}` };
  }
  return { ok: true, urls: urls.filter((url) => url !== '') };
}
