// The memory part of `npm run bench:push`: targets killed and never restarted (one by default;
// none for a control run), the others still pushed to, and Sluice's RSS sampled for minutes.
import { setTimeout as sleep } from 'node:timers/promises';
import { TreeMonitor, treeRssMiB } from './proc.js';
import type { RunningProcess, RunningSluice } from './push-servers.js';
import { readPushes } from './pushes.js';

export interface DeadTargetSample {
  /** Seconds since the target was killed. */
  t: number;
  rssMiB: number;
  /** Sluice's CPU over the interval before the sample, % of one core. */
  cpuPercent: number;
  pushesLive: number;
  /** The first dead target's push: state, last error, connections so far. */
  dead: string;
}

export interface DeadTargetResult {
  /** Targets killed (0: a control run, every target alive). */
  killed: number;
  /** Average RSS in the measurement window before the kill. */
  rssBeforeMiB: number;
  samples: DeadTargetSample[];
}

/** Kills the first `kill` targets and samples Sluice every `sampleSeconds` for `deadMinutes`. */
export async function followDeadTarget(
  sluice: RunningSluice,
  targets: readonly RunningProcess[],
  rssBeforeMiB: number,
  options: { deadMinutes: number; sampleSeconds: number; kill: number },
): Promise<DeadTargetResult> {
  const victims = targets.slice(0, options.kill);
  for (const v of victims) v.kill();
  const victimUrl = victims[0] ? `127.0.0.1:${victims[0].port}/` : undefined;
  console.log(`  ${victims.length} targets killed; sampling Sluice every ${options.sampleSeconds} s for ${options.deadMinutes} min`);
  const samples: DeadTargetSample[] = [];
  const killedAt = performance.now();
  const end = killedAt + options.deadMinutes * 60_000;
  while (performance.now() < end) {
    const cpu = new TreeMonitor(sluice.pid);
    cpu.start();
    await sleep(Math.min(options.sampleSeconds * 1000, end - performance.now()));
    const cpuPercent = cpu.stop().cpuPercent;
    const exit = sluice.exitStatus();
    if (exit !== undefined) throw new Error(`Sluice exited with one target dead (${exit})`);
    const pushes = await readPushes(sluice.apiPort);
    const d = victimUrl ? pushes.find((p) => p.url.includes(victimUrl)) : undefined;
    const sample = {
      t: Math.round((performance.now() - killedAt) / 1000),
      rssMiB: treeRssMiB(sluice.pid),
      cpuPercent,
      pushesLive: pushes.filter((p) => p.state === 'live').length,
      dead: !victimUrl ? 'none' : d ? `${d.state}, ${d.connects} connects${d.lastError ? `, ${d.lastError}` : ''}` : 'no push listed',
    };
    samples.push(sample);
    console.log(`  t=${sample.t} s: RSS ${sample.rssMiB.toFixed(1)} MiB, CPU ${cpuPercent.toFixed(1)} %, ${sample.pushesLive} / ${targets.length} pushes live; dead target: ${sample.dead}`);
  }
  return { killed: victims.length, rssBeforeMiB, samples };
}
