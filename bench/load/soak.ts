// The soak load process: the fan-out bench's publisher and players, kept playing for minutes.
// Started by bench/soak.ts with a LoadConfig as JSON in argv[2] (`seconds`: the whole run); the
// driver asks for a sample every few seconds and for the per-player result at the end.
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectAudience, errorText, send, stopAudience, type Audience } from './connect.js';
import type { Player } from './player.js';
import { STALL_MS, type LoadConfig, type LoadMessage, type SoakFinish, type SoakMessage, type SoakMinute, type SoakPlayer, type SoakSampleRequest } from './protocol.js';
import { MeasureWindow } from './window.js';

const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;

// Never outlive the driver, nor a generous bound on the whole run.
process.on('disconnect', () => process.exit(0));
const lifetimeMs = (Math.ceil(config.players / config.batch) * 20 + config.warmupSeconds + config.seconds + 120) * 1000;
setTimeout(() => process.exit(3), lifetimeMs).unref();

const reply = (msg: SoakMessage): Promise<void> => send(msg);

function playerResult(player: Player, now: number, windowStart: number): SoakPlayer {
  return {
    bytes: player.bytesInWindow,
    frames: player.framesInWindow,
    longestGapMs: player.longestGapMs(now),
    lost: player.lost,
    ...(player.lost ? { lostAfterSeconds: (player.lostAt - windowStart) / 1000 } : {}),
  };
}

async function run(): Promise<void> {
  const window = new MeasureWindow();
  const audience: Partial<Audience> = {};
  try {
    const { publisher, players, failures } = await connectAudience(config, window, audience);
    await sleep(config.warmupSeconds * 1000);
    await reply({ type: 'ready', connected: players.length, failures: [...failures.keys()] });

    await once(process, 'message');
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // Open past the planned end: the driver decides when the run ends. No grace: frames count from
    // the moment they are sent, so the minutes' latencies cover every frame.
    window.open(performance.now(), config.seconds + 600, 0);

    const finished = new Promise<void>((resolve) => {
      process.on('message', (msg: SoakSampleRequest | SoakFinish) => {
        if (msg.type === 'finish') return resolve();
        const now = performance.now();
        let minute: SoakMinute | undefined;
        if (msg.closeMinute) {
          const { latency } = window;
          minute = {
            latencyP50Ms: latency.quantile(0.5),
            latencyP99Ms: latency.quantile(0.99),
            latencyMaxMs: latency.max,
            latencySamples: latency.count,
            loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
            loopDelayMaxMs: loopDelay.max / 1e6,
          };
          latency.reset();
          loopDelay.reset();
        }
        const connected = players.filter((p) => !p.lost);
        void reply({
          type: 'sample',
          playersConnected: connected.length,
          playersStalledNow: connected.filter((p) => now - p.lastMediaAt > STALL_MS).length,
          bytesReceived: players.reduce((sum, p) => sum + p.bytesInWindow, 0),
          minute,
        });
      });
    });
    await finished;
    const now = performance.now();
    loopDelay.disable();
    await reply({
      type: 'soak-result',
      publishedBytes: publisher.bytesInWindow,
      publishedFrames: publisher.framesExpected,
      players: players.map((p) => playerResult(p, now, window.start)),
    });
  } finally {
    stopAudience(audience);
  }
}

run()
  .catch((err: unknown) => send({ type: 'error', message: errorText(err) } satisfies LoadMessage))
  .finally(() => process.disconnect?.());
