import type { z } from 'zod/v4';
import { notifyProtocolBlocks, type HttpHooksConfig, type HttpNotifyBlock, type NotifyProtocol, type SluiceConfig } from '../../config/schema.js';
import type { CallbackBlock } from './schemas.js';

type CallbackBlockName = 'http_hooks' | 'http_notify';
type CallbackSettings = HttpHooksConfig | HttpNotifyBlock;

export const REDACTED = '<redacted>';

// A setting holds a credential when one of the words of its name is one of these.
const SECRET_WORDS = new Set(['password', 'passwords', 'secret', 'secrets', 'key', 'keys', 'token', 'tokens', 'opaque']);

/** The config with every credential replaced by `<redacted>` (empty ones stay empty, so "unset" still shows). */
export function redactConfig(value: unknown, key = ''): unknown {
  const secret = key.split('_').some((word) => SECRET_WORDS.has(word.toLowerCase()));
  if (typeof value === 'string') return secret && value !== '' ? REDACTED : key.startsWith('on_') ? redactUrl(value) : value;
  if (Array.isArray(value)) return value.map((item) => redactConfig(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  }
  return value;
}

/** A URL without the password of its user part. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = REDACTED;
    return parsed.href;
  } catch {
    return url;
  }
}

/** Each vhost's callback blocks: the receiver URLs per event, the secret redacted. */
export function callbackBlocks(config: SluiceConfig): Array<z.output<typeof CallbackBlock>> {
  const blocks: Array<z.output<typeof CallbackBlock>> = [];
  for (const [vhost, v] of Object.entries(config.vhosts)) {
    const list: Array<[CallbackBlockName, CallbackSettings, NotifyProtocol?]> = [['http_hooks', v.http_hooks], ['http_notify', v.http_notify]];
    for (const [protocol, block] of notifyProtocolBlocks(v.http_notify)) list.push(['http_notify', block, protocol]);
    for (const [name, block, protocol] of list) {
      const events: Record<string, string[]> = {};
      for (const [key, urls] of Object.entries(block)) {
        if (key.startsWith('on_') && Array.isArray(urls) && urls.length > 0) events[key] = urls.map((url) => redactUrl(String(url)));
      }
      if (!block.enabled && Object.keys(events).length === 0) continue;
      const dialect = 'dialect' in block ? block.dialect : 'notify';
      const secret = block.secret === '' ? '' : REDACTED;
      blocks.push({ vhost, block: name, ...(protocol ? { protocol } : {}), dialect, enabled: block.enabled, events, secret });
    }
  }
  return blocks;
}
