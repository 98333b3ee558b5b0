// The load process: one publisher and N players against one server, on one clock.
// Started by bench/fanout.ts with a LoadConfig as JSON in argv[2]; talks back over IPC.
import { once } from 'node:events';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAudience, errorText, send, stopAudience, type Audience } from './connect.js';
import type { Player } from './player.js';
import type { LoadConfig, LoadMessage, LoadSummary } from './protocol.js';
import type { Publisher } from './publisher.js';
import { MeasureWindow } from './window.js';

const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;

// Never outlive the driver, nor a generous bound on the whole run.
process.on('disconnect', () => process.exit(0));
const lifetimeMs = (Math.ceil(config.players / config.batch) * 20 + config.warmupSeconds + config.seconds + 60) * 1000;
setTimeout(() => process.exit(3), lifetimeMs).unref();

function median(sorted: number[]): number {
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measured {
  publisher: Publisher;
  players: Player[];
  failures: Map<string, number>;
  connectSeconds: number;
  window: MeasureWindow;
  loopDelay: IntervalHistogram;
}

function summarize({ publisher, players, failures, connectSeconds, window, loopDelay }: Measured): LoadSummary {
  const kbps = (bytes: number) => (bytes * 8) / config.seconds / 1000;
  const publishedKbps = kbps(publisher.bytesInWindow);
  const rates = players.map((p) => kbps(p.bytesInWindow)).sort((a, b) => a - b);
  const matched = players.reduce((sum, p) => sum + p.framesMatched, 0);
  const framesExpected = publisher.framesExpected * players.length;
  return {
    playersConnected: players.length,
    playersFailed: [...failures.values()].reduce((a, b) => a + b, 0),
    failures: [...failures].map(([reason, count]) => `${count} x ${reason}`),
    playersLost: players.filter((p) => p.lost).length,
    publishedKbps,
    playerKbpsMin: rates[0] ?? NaN,
    playerKbpsMedian: median(rates),
    playersAtFullRate: rates.filter((r) => r >= 0.95 * publishedKbps).length,
    framesExpected,
    framesMissed: Math.max(0, framesExpected - matched),
    framesUnmatched: players.reduce((sum, p) => sum + p.framesUnmatched, 0),
    latencyP50Ms: window.latency.quantile(0.5),
    latencyP99Ms: window.latency.quantile(0.99),
    latencyMaxMs: window.latency.max,
    latencySamples: window.latency.count,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    connectSeconds,
  };
}

async function run(): Promise<void> {
  const window = new MeasureWindow();
  const audience: Partial<Audience> = {};
  try {
    const { publisher, players, failures, connectSeconds } = await connectAudience(config, window, audience);
    await sleep(config.warmupSeconds * 1000);
    await send({ type: 'ready', connected: players.length, failures: [...failures.keys()] } satisfies LoadMessage);

    await once(process, 'message');
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    window.open(performance.now(), config.seconds, Math.min(5, config.seconds / 3));
    await sleep(config.seconds * 1000);
    loopDelay.disable();
    const summary = summarize({ publisher, players, failures, connectSeconds, window, loopDelay });
    await send({ type: 'result', summary } satisfies LoadMessage);
  } finally {
    stopAudience(audience);
  }
}

run()
  .catch((err: unknown) => send({ type: 'error', message: errorText(err) } satisfies LoadMessage))
  .finally(() => process.disconnect?.());
