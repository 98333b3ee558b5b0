import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { z } from 'zod/v4';
import { EVENT_LOOP_SAMPLE_MS, timerLatenessMs } from '../../metrics/event-loop-lag.js';
import type { SessionRegistry } from '../../servers/sessions.js';
import type { Figures } from './schemas.js';

export type FigureSample = z.output<typeof Figures>;

export interface FigureOptions {
  /** Default one sample every 5 s. */
  intervalMs?: number;
  /** Default 120 samples: the last 10 minutes. */
  keep?: number;
}

/**
 * The figures a console charts: live totals on demand, and a ring of recent samples taken on a
 * timer. CPU and event-loop lag are measured over the time since the previous sample.
 */
export class FigureHistory {
  private readonly ring: FigureSample[] = [];
  private readonly keep: number;
  private readonly timer: NodeJS.Timeout;
  private readonly lag: IntervalHistogram;
  private cpuBase = { at: performance.now(), usage: process.cpuUsage() };

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly streamCount: () => number,
    options: FigureOptions = {},
  ) {
    this.keep = options.keep ?? 120;
    this.lag = monitorEventLoopDelay({ resolution: EVENT_LOOP_SAMPLE_MS });
    this.lag.enable();
    this.timer = setInterval(() => this.sample(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** The figures now (CPU and lag since the last sample). */
  live(): FigureSample {
    const elapsedMs = performance.now() - this.cpuBase.at;
    const cpu = process.cpuUsage(this.cpuBase.usage);
    const cpuPercent = elapsedMs > 0 ? ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100 : 0;
    const clients = this.sessions.listClients();
    const byProtocol: Record<string, number> = {};
    for (const client of clients) byProtocol[client.session.protocol] = (byProtocol[client.session.protocol] ?? 0) + 1;
    const publishers = clients.filter((c) => c.publish).length;
    const kbps = this.sessions.total.kbps();
    const memory = process.memoryUsage();
    const lag = this.lag.count > 0 ? timerLatenessMs(this.lag.percentile(99)) : 0;
    return {
      at: Date.now(),
      sessions: { total: clients.length, byProtocol, publishers, players: clients.length - publishers },
      streams: this.streamCount(),
      kbps: { in: kbps.recv_30s, out: kbps.send_30s },
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal, externalBytes: memory.external },
      eventLoopLagMs: Math.round(lag * 10) / 10,
    };
  }

  /** Oldest first. */
  history(): FigureSample[] {
    return [...this.ring];
  }

  stop(): void {
    clearInterval(this.timer);
    this.lag.disable();
  }

  private sample(): void {
    this.ring.push(this.live());
    if (this.ring.length > this.keep) this.ring.shift();
    this.cpuBase = { at: performance.now(), usage: process.cpuUsage() };
    this.lag.reset();
  }
}
