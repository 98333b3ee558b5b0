// One RTMP source (H.264 ~1 Mbps + AAC) to N WHEP viewers on loopback, each a headless receiver
// (bench/webrtc-viewer.ts: STUN, DTLS by openssl, SRTP decrypted here). Prints the server's CPU
// (its process tree: Sluice and the one ffmpeg that turns the stream's AAC into Opus), its memory,
// and the packet delay: how late each video packet arrives against its RTP clock (p50/p99), and
// how far apart the viewers get the same packet.
//   node --import tsx bench/webrtc.ts [viewers] [seconds]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchWorkDir, freePort, logTail, startChild, stopChild, waitForPort } from './children.js';
import { TreeMonitor } from './proc.js';
import { HeadlessViewer, clientIdentity } from './webrtc-viewer.js';

const viewers = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 20);
const WARM_UP_MS = 3000;

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const { dir, cleanup } = benchWorkDir('sluice-bench-webrtc-');
  try {
    const [rtmp, api, udp] = [await freePort(), await freePort(), await freePort()];
    const conf = join(dir, 'sluice.conf');
    writeFileSync(conf, [
      `listen 127.0.0.1:${rtmp};`, 'max_connections 10000;', `http_api { enabled on; listen 127.0.0.1:${api}; }`, 'http_server { enabled off; }',
      `rtc_server { enabled on; listen 127.0.0.1:${udp}; candidate 127.0.0.1; }`, 'vhost __defaultVhost__ { rtc { enabled on; rtmp_to_rtc on; } }', '',
    ].join('\n'));
    const server = startChild(process.execPath, ['--import', 'tsx', resolve('src/cli.ts'), '-c', conf], join(dir, 'server.log'));
    await waitForPort(server, rtmp);
    const source = startChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-b:v', '1000k', '-maxrate', '1000k', '-bufsize', '1000k', '-g', '50',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', `rtmp://127.0.0.1:${rtmp}/live/bench`], join(dir, 'ffmpeg.log'));
    await sleep(3000);
    const identity = clientIdentity(dir);
    const opened: HeadlessViewer[] = [];
    const openedAt = performance.now();
    for (let i = 0; i < viewers; i++) opened.push(await HeadlessViewer.open(`http://127.0.0.1:${api}/rtc/v1/whep/?app=live&stream=bench`, identity));
    console.log(`${viewers} viewers connected in ${((performance.now() - openedAt) / 1000).toFixed(1)} s`);
    await sleep(WARM_UP_MS);
    const monitor = new TreeMonitor(server.pid!);
    const from = performance.now();
    monitor.start();
    await sleep(seconds * 1000);
    const usage = monitor.stop();
    const to = performance.now();

    const lateness: number[] = [];
    const firstSeen = new Map<number, number>();
    let received = 0;
    let expected = 0;
    for (const viewer of opened) {
      const inWindow = viewer.arrivals.filter((a) => a.at >= from && a.at <= to);
      if (inWindow.length === 0) continue;
      const offset = Math.min(...inWindow.map((a) => a.at - a.rtp / 90));
      for (const a of inWindow) {
        lateness.push(a.at - a.rtp / 90 - offset);
        firstSeen.set(a.sequence, Math.min(firstSeen.get(a.sequence) ?? Infinity, a.at));
      }
      const sequences = new Set(inWindow.map((a) => a.sequence));
      received += sequences.size;
      expected += ((inWindow.at(-1)!.sequence - inWindow[0]!.sequence) & 0xffff) + 1;
    }
    const spread: number[] = [];
    for (const viewer of opened) for (const a of viewer.arrivals) if (a.at >= from && a.at <= to) spread.push(a.at - firstSeen.get(a.sequence)!);
    lateness.sort((a, b) => a - b);
    spread.sort((a, b) => a - b);
    const audio = opened.reduce((sum, v) => sum + v.audioPackets, 0);
    console.log(`sluice, 1 RTMP source (~1 Mbps H.264 + AAC) -> ${viewers} WHEP viewers, ${seconds} s window`);
    console.log(`  server CPU ${usage.cpuPercent.toFixed(1)}% of a core (system ${usage.cpuSystemPercent.toFixed(1)}%), RSS peak ${usage.rssPeakMiB.toFixed(0)} MiB`);
    console.log(`  video packet lateness against its RTP clock: p50 ${quantile(lateness, 0.5).toFixed(1)} ms, p99 ${quantile(lateness, 0.99).toFixed(1)} ms`);
    console.log(`  same packet, first to last viewer: p50 ${quantile(spread, 0.5).toFixed(1)} ms, p99 ${quantile(spread, 0.99).toFixed(1)} ms`);
    console.log(`  video packets received ${received} of ${expected} (${((100 * received) / Math.max(1, expected)).toFixed(2)}%), audio packets ${audio}, decrypted (1 in 50) ${opened.reduce((s, v) => s + v.decrypted, 0)}, undecryptable ${opened.reduce((s, v) => s + v.undecryptable, 0)}`);
    for (const viewer of opened) await viewer.close();
    await stopChild(source);
    await stopChild(server);
  } catch (error) {
    console.error(`server log:\n${logTail(join(dir, 'server.log'), 30)}`);
    throw error;
  } finally {
    await cleanup();
  }
}

await main();
