import type { StreamSecretConfig } from '../../config/rules-schema.js';
import type { ClientSession } from '../types.js';
import { protects, queryOf, RuleDenied, safeEqual, streamOf, type Action, type GateRule } from './rule.js';

/**
 * Oryx's stream secret: `?secret=SECRET` in the URL, or the secret appended to the stream name
 * (`livestreamSECRET`, for encoders that cannot send a query), which is then removed: the
 * session continues as `livestream`.
 */
export class StreamSecretRule implements GateRule {
  constructor(
    private readonly action: Action,
    private readonly config: StreamSecretConfig,
  ) {}

  check(session: ClientSession, action: Action): string | undefined {
    if (action !== this.action || !protects(this.config.apps, session.app)) return undefined;
    const { secret } = this.config;
    const given = queryOf(session).get('secret');
    if (given !== null && safeEqual(given, secret)) return undefined;
    const stream = streamOf(session);
    const head = stream.slice(0, -secret.length);
    // An HLS playlist is looked up by its URL before the gate, so it cannot be renamed.
    if (session.protocol !== 'hls' && head !== '' && safeEqual(stream.slice(head.length), secret)) return head;
    const rule = this.action === 'publish' ? 'publish_secret' : 'play_secret';
    throw new RuleDenied(rule, given === null ? `${action} needs the stream secret` : `wrong ${action} secret`);
  }
}
