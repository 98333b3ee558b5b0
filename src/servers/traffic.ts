/** The 30 s window SRS reports its `kbps.recv_30s` / `send_30s` over. */
const WINDOW_MS = 30_000;

interface Sample {
  at: number;
  sent: number;
  received: number;
}

/**
 * Bytes moved by one client, stream, vhost or the whole server: running totals, and samples
 * taken at each registry tick so the rate over the last 30 s can be told.
 */
export class Traffic {
  sent = 0;
  received = 0;
  private samples: Sample[] = [];

  add(sent: number, received: number): void {
    this.sent += sent;
    this.received += received;
  }

  /** Records the totals now; keeps one sample at or before the window's start. */
  sample(now: number): void {
    this.samples.push({ at: now, sent: this.sent, received: this.received });
    while (this.samples.length > 2 && this.samples[1]!.at <= now - WINDOW_MS) this.samples.shift();
  }

  /** Kilobits per second over the last 30 s of samples (0 until two samples exist). */
  kbps(): { recv_30s: number; send_30s: number } {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return { recv_30s: 0, send_30s: 0 };
    const ms = last.at - first.at;
    // bytes * 8 / ms = kilobits per second
    return {
      recv_30s: Math.round(((last.received - first.received) * 8) / ms),
      send_30s: Math.round(((last.sent - first.sent) * 8) / ms),
    };
  }
}
