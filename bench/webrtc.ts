// `npm run bench:webrtc`: one RTMP source (H.264 baseline + AAC, ~1 Mbps) played by N headless
// WHEP receivers, against Sluice and SRS 7 in turn. See docs/BENCHMARKS.md.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { generateCertificate } from '../src/protocols/webrtc/certificate.js';
import { createLogger } from '../src/util/logger.js';
import { intArg, serverList } from './args.js';
import { benchWorkDir, startChild, stopChild } from './children.js';
import { ensureFixture } from './fixture.js';
import { versionOf } from './launch.js';
import { ProcessesMonitor, ServerWindow, childrenOf, machineBusyPercent } from './proc.js';
import { parseFlags, printResults, runBench } from './script.js';
import { MAX_RECEIVERS, WhepReceiver } from './webrtc/receiver.js';
import { formatRtcReport, saveRtcResults, type RtcCaseResult } from './webrtc/report.js';
import { RTC_SERVER_NAMES, checkPrerequisites, startRtcServer, type RtcServerName } from './webrtc/servers.js';
import { summarize } from './webrtc/summary.js';

const USAGE = `Usage: npm run bench:webrtc -- [options]
  --receivers N   WHEP receivers per server (default 100, at most ${MAX_RECEIVERS})
  --seconds S     measurement window (default 30)
  --warmup S      from the last receiver joining to the window (default 5)
  --servers LIST  any of sluice,sluice-workers,srs (default all; sluice-workers: workers 2)
  --srs PATH      SRS 7 binary built with --rtc=on
  --rounds N      run the list of servers N times, alternating (default 1)`;

export interface RtcBenchOptions {
  receivers: number;
  seconds: number;
  warmup: number;
  servers: RtcServerName[];
  srs: string | undefined;
  rounds: number;
}

function parse(argv: string[]): RtcBenchOptions {
  const values = parseFlags(argv, {
    receivers: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    servers: { type: 'string', default: RTC_SERVER_NAMES.join(',') },
    srs: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  }, USAGE);
  return {
    receivers: intArg('receivers', values.receivers, 1, MAX_RECEIVERS, USAGE),
    seconds: intArg('seconds', values.seconds, 1, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 120, USAGE),
    servers: serverList(values.servers, RTC_SERVER_NAMES, USAGE),
    srs: values.srs,
    rounds: intArg('rounds', values.rounds, 1, 10, USAGE),
  };
}

async function runCase(name: RtcServerName, o: RtcBenchOptions, flv: string, workDir: string): Promise<RtcCaseResult> {
  const dir = join(workDir, `${name}-${Date.now()}`);
  mkdirSync(dir);
  const result: RtcCaseResult = { name, machineIdlePercentBefore: 100 * 2 - (await machineBusyPercent(2000)) };
  const server = await startRtcServer(name, dir, o.srs);
  const publisher = startChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', flv,
    '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${server.rtmpPort}/live/bench`], join(dir, 'ffmpeg.log'));
  const log = createLogger('warn');
  const certificate = generateCertificate();
  const receivers: WhepReceiver[] = [];
  try {
    await sleep(3000); // the stream and its first keyframe are in
    const url = `${server.whep}?app=live&stream=bench`;
    // Joined ten at a time, as viewers arrive, not as one burst of handshakes.
    for (let i = 0; i < o.receivers; i += 10) {
      const batch = Array.from({ length: Math.min(10, o.receivers - i) }, () => new WhepReceiver({ url, certificate, log }));
      receivers.push(...batch);
      await Promise.all(batch.map((r) => r.start()));
      await sleep(100);
    }
    await sleep(o.warmup * 1000);
    for (const r of receivers) r.resetWindow();
    const meter = new ServerWindow(server.pid);
    // Under workers: the primary's and each worker's own CPU (not the Opus transcoders each worker starts).
    const processes = name === 'sluice-workers' ? new ProcessesMonitor([server.pid, ...childrenOf(server.pid)]) : undefined;
    meter.start();
    processes?.start();
    await sleep(o.seconds * 1000);
    const usage = meter.stop();
    result.processes = processes?.stop();
    result.server = usage.server;
    result.machineCpuPercent = usage.machineCpuPercent;
    result.loadAverage = loadavg()[0];
    result.loadCpuPercent = usage.benchCpuPercent;
    result.summary = summarize(receivers, o.seconds);
    const status = server.exitStatus();
    if (status !== undefined) result.error = `server exited (${status})`;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
    await stopChild(publisher);
    await server.stop();
  }
  return result;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  checkPrerequisites(o.servers, o.srs);
  const flv = ensureFixture('1mbps-baseline');
  const { dir, cleanup } = benchWorkDir('sluice-rtc-bench-');
  const results: RtcCaseResult[] = [];
  try {
    if (o.servers.includes('srs')) console.log(`srs ${versionOf(o.srs!, ['-v'])} (${o.srs})`);
    console.log(`WHEP fan-out: ${o.receivers} receivers, ${o.seconds} s window, ${o.warmup} s warm-up, source ${flv}`);
    for (let round = 0; round < o.rounds; round++) {
      for (const name of o.servers) {
        const r = await runCase(name, o, flv, dir);
        console.log(`${name}: ${r.error ?? 'done'}`);
        results.push(r);
      }
    }
  } finally {
    await cleanup();
  }
  printResults(formatRtcReport(results, o.seconds), () => saveRtcResults(results, o), results.some((r) => r.error));
}

runBench(main);
