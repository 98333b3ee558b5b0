import { HookTransportError, type HookAnswer } from './http/transport.js';
import { webhookId } from './identity.js';
import type { DeliveryLog } from './delivery-log.js';
import type { CallSender } from './sender.js';
import type { Delivery } from './store/deliveries.js';

// A replay is one attempt, answered to the operator who asked for it: no retries, no outbox.
const REPLAY_TIMEOUT_MS = 10_000;

/**
 * Sends a logged call again: same method, URL and body, freshly signed with a new webhook-id
 * (receivers that de-duplicate would drop the old one). The attempt is logged as a new delivery
 * linked to the original, which is returned.
 */
export async function replayDelivery(original: Delivery, sender: CallSender, log: DeliveryLog, now: () => number): Promise<Delivery> {
  const id = webhookId();
  const call = {
    event: original.event,
    dialect: original.dialect,
    method: original.method === 'GET' ? ('GET' as const) : ('POST' as const),
    url: original.url,
    contentType: original.contentType,
    body: original.body,
  };
  let answer: HookAnswer | undefined;
  let latencyMs: number;
  let detail = '';
  try {
    answer = await sender.send(call, { webhookId: id, signer: original.signer, timeoutMs: REPLAY_TIMEOUT_MS });
    latencyMs = answer.latencyMs;
    if (answer.status < 200 || answer.status > 299) detail = `${call.event} ${call.url} answered HTTP ${answer.status}`;
  } catch (error) {
    if (!(error instanceof HookTransportError)) throw error;
    latencyMs = error.latencyMs;
    detail = `${call.event} ${call.url} ${error.message}`;
  }
  log.record({
    ...call,
    webhookId: id,
    signer: original.signer,
    at: now(),
    status: answer?.status ?? null,
    answer: answer?.body ?? '',
    latencyMs,
    attempt: 1,
    outcome: detail === '' ? 'delivered' : 'rejected',
    detail,
    replayOf: original.seq,
  });
  const [logged] = log.list({ limit: 50 }).filter((d) => d.webhookId === id);
  return logged!;
}
