// `npm run bench:ingest`: CPU per Mbps of ingest over RTMP, SRT and RTSP, in one run on one machine.
// Each protocol gets a fresh Sluice (dist/cli.js) and the same N ffmpeg publishers copying the
// fan-out fixture in real time; the server's CPU is measured after a warm-up. See docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchWorkDir, freePort, startChild, stopChild, waitForPort } from './children.js';
import { ensureFixture } from './fixture.js';
import { TreeMonitor } from './proc.js';

const PROTOCOLS = ['rtmp', 'srt', 'rtsp'] as const;
type Protocol = (typeof PROTOCOLS)[number];

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} takes a positive number`);
  return value;
}

interface Ports {
  rtmp: number;
  srt: number;
  rtsp: number;
}

/** The ffmpeg output arguments that publish stream `name` over `protocol`. */
function output(protocol: Protocol, ports: Ports, name: string): string[] {
  switch (protocol) {
    case 'rtmp':
      return ['-f', 'flv', `rtmp://127.0.0.1:${ports.rtmp}/live/${name}`];
    case 'srt':
      return ['-f', 'mpegts', `srt://127.0.0.1:${ports.srt}?streamid=#!::r=live/${name},m=publish&latency=200000`];
    case 'rtsp':
      return ['-f', 'rtsp', '-rtsp_transport', 'tcp', `rtsp://127.0.0.1:${ports.rtsp}/live/${name}`];
  }
}

async function measure(protocol: Protocol, fixture: string, dir: string, publishers: number, warmup: number, seconds: number): Promise<number> {
  const ports = { rtmp: await freePort(), srt: await freePort(), rtsp: await freePort() };
  const conf = join(dir, `${protocol}.conf`);
  writeFileSync(conf, [
    `listen 127.0.0.1:${ports.rtmp};`,
    'http_api { enabled off; }',
    'http_server { enabled off; }',
    `srt_server { enabled on; listen 127.0.0.1:${ports.srt}; }`,
    `rtsp_server { enabled on; listen 127.0.0.1:${ports.rtsp}; udp off; }`,
    '',
  ].join('\n'));
  const server = startChild(resolve('dist', 'cli.js'), ['-c', conf], join(dir, `${protocol}-server.log`));
  await waitForPort(server, ports.rtmp);
  const clients = Array.from({ length: publishers }, (_, i) =>
    startChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', fixture, '-c', 'copy', ...output(protocol, ports, `s${i}`)], join(dir, `${protocol}-ffmpeg-${i}.log`)),
  );
  try {
    await sleep(warmup * 1000);
    const monitor = new TreeMonitor(server.pid!);
    monitor.start();
    await sleep(seconds * 1000);
    if (clients.some((c) => c.exitCode !== null)) throw new Error(`${protocol}: a publisher ended early (see ${dir})`);
    return monitor.stop().cpuPercent;
  } finally {
    await Promise.all(clients.map((c) => stopChild(c)));
    await stopChild(server);
  }
}

async function main(): Promise<void> {
  const publishers = option('publishers', 4);
  const warmup = option('warmup', 5);
  const seconds = option('seconds', 20);
  const fixture = ensureFixture();
  const bitsPerSecond = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', fixture], { encoding: 'utf8' }).trim());
  const mbps = (publishers * bitsPerSecond) / 1e6;
  const { dir, cleanup } = benchWorkDir('sluice-bench-ingest-');
  const rows: Array<{ protocol: Protocol; cpu: number }> = [];
  try {
    for (const protocol of PROTOCOLS) rows.push({ protocol, cpu: await measure(protocol, fixture, dir, publishers, warmup, seconds) });
  } finally {
    await cleanup();
  }
  const rtmp = rows.find((r) => r.protocol === 'rtmp')!.cpu / mbps;
  console.log(`ingest: ${publishers} publishers x ${(bitsPerSecond / 1e6).toFixed(2)} Mbps = ${mbps.toFixed(1)} Mbps, ${seconds} s window\n`);
  console.log('| protocol | server CPU % | CPU % per Mbps | vs RTMP |');
  console.log('|---|---:|---:|---:|');
  for (const { protocol, cpu } of rows) {
    console.log(`| ${protocol} | ${cpu.toFixed(1)} | ${(cpu / mbps).toFixed(2)} | ${(cpu / mbps / rtmp).toFixed(2)}x |`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
