// Polls Sluice's SRS API once a second during the measurement window, as a dashboard would, and
// records how long each answer took: the figure is the API's p99 under fan-out load, and the case
// beside it without polling shows what the polling costs the players.

export interface ApiPollSummary {
  polls: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Clients the last answer listed (the players and the publisher). */
  clientsListed: number;
}

export class ApiPoller {
  private readonly latencies: number[] = [];
  private failures = 0;
  private clientsListed = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.poll();
    }, 1000);
  }

  async stop(): Promise<ApiPollSummary> {
    clearInterval(this.timer);
    await this.inFlight;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return { polls: sorted.length, failures: this.failures, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN, clientsListed: this.clientsListed };
  }

  private async poll(): Promise<void> {
    const started = performance.now();
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { code: number; clients?: unknown[] };
      if (!response.ok || body.code !== 0) throw new Error(`HTTP ${response.status}, code ${body.code}`);
      this.latencies.push(performance.now() - started);
      this.clientsListed = body.clients?.length ?? 0;
    } catch {
      this.failures++;
    }
  }
}
