import { createHmac, randomBytes } from 'node:crypto';

/** A cookie stays good for this bucket and the one before it. */
const BUCKET_MS = 60_000;

/**
 * SYN cookies for the induction: the listener answers an induction with a keyed hash of the
 * peer's address and the current minute, and keeps no state until a conclusion echoes it back.
 */
export class CookieJar {
  constructor(
    private readonly key: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {}

  issue(address: string, port: number): number {
    return this.hash(address, port, Math.floor(this.now() / BUCKET_MS));
  }

  check(address: string, port: number, cookie: number): boolean {
    const bucket = Math.floor(this.now() / BUCKET_MS);
    return cookie === this.hash(address, port, bucket) || cookie === this.hash(address, port, bucket - 1);
  }

  private hash(address: string, port: number, bucket: number): number {
    return createHmac('sha256', this.key).update(`${address}|${port}|${bucket}`).digest().readUInt32BE(0);
  }
}
