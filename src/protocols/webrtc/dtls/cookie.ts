import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HelloPrefix } from './hello.js';

/**
 * HelloVerifyRequest cookies (RFC 6347 §4.2.1) computed, not stored: an HMAC over what the client
 * must repeat in its second hello. A spoofed or unanswered hello therefore costs the server nothing
 * but one small reply, and only a peer that receives at its claimed address gets further.
 */
export class CookieJar {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  make(hello: HelloPrefix): Buffer {
    return createHmac('sha256', this.secret).update(hello.random).update(hello.cipherSuiteBytes).digest().subarray(0, 20);
  }

  valid(hello: HelloPrefix): boolean {
    const expected = this.make(hello);
    return hello.cookie.length === expected.length && timingSafeEqual(hello.cookie, expected);
  }
}
