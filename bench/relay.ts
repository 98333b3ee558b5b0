// `npm run bench:relay`: what one restream target costs the server against one RTMP player, in the
// same run, and the server's memory while one target is dead. See docs/BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { intArg } from './args.js';
import { benchWorkDir, freePort, startChild, stopChild, waitForPort } from './children.js';
import { TreeMonitor } from './proc.js';

const USAGE = 'usage: npm run bench:relay -- [--targets N] [--seconds S] [--dead-minutes M]';
const CLI = resolve('dist', 'cli.js');
const FIXTURE = join('node_modules', '.cache', 'sluice-bench', 'relay-1280x720-25fps-3m-30s.flv');

function options(argv: string[]): { targets: number; seconds: number; deadMinutes: number } {
  const found = { targets: 10, seconds: 20, deadMinutes: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value = ''] = [argv[i], argv[i + 1]];
    if (name === '--targets') found.targets = intArg(name.slice(2), value, 1, 100, USAGE);
    else if (name === '--seconds') found.seconds = intArg(name.slice(2), value, 5, 600, USAGE);
    else if (name === '--dead-minutes') found.deadMinutes = intArg(name.slice(2), value, 0, 60, USAGE);
    else throw new Error(USAGE);
  }
  return found;
}

/** A 3 Mbps H.264 + AAC FLV, made once and cached. */
function fixture(): string {
  if (existsSync(FIXTURE)) return FIXTURE;
  mkdirSync(join(FIXTURE, '..'), { recursive: true });
  console.log(`making the 3 Mbps test stream ${FIXTURE} with ffmpeg...`);
  const run = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', '3000k', '-maxrate', '3000k', '-bufsize', '3000k',
    '-g', '50', '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', `${FIXTURE}.partial`,
  ], { stdio: 'inherit', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`ffmpeg failed to make the test stream (status ${run.status})`);
  renameSync(`${FIXTURE}.partial`, FIXTURE);
  return FIXTURE;
}

async function sluice(dir: string, name: string, port: number, apiPort?: number) {
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, [
    `listen 127.0.0.1:${port};`,
    apiPort ? `http_api { enabled on; listen 127.0.0.1:${apiPort}; }` : 'http_api { enabled off; }',
    'http_server { enabled off; }',
    `data_dir ${join(dir, name)};`,
    '',
  ].join('\n'));
  const child = startChild(CLI, ['-c', conf], join(dir, `${name}.log`));
  await waitForPort(child, port);
  return child;
}

async function cpuOver(pid: number, seconds: number): Promise<number> {
  const monitor = new TreeMonitor(pid);
  monitor.start();
  await sleep(seconds * 1000);
  return monitor.stop().cpuPercent;
}

async function api(port: number, method: string, path: string, body?: unknown): Promise<{ id?: string; pushes?: Array<{ state: string }> }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/sluice/v1/relays${path}`, {
    method,
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  if (!response.ok) throw new Error(`${method} relays${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: { id?: string; pushes?: Array<{ state: string }> } }).data;
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} not found: run \`npm run build\` first`);
  const { targets, seconds, deadMinutes } = options(process.argv.slice(2));
  const flv = fixture();
  const { dir, cleanup } = benchWorkDir('sluice-bench-relay-');
  try {
    const [port, sinkPort, apiPort, deadPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const source = await sluice(dir, 'source', port, apiPort);
    const sink = await sluice(dir, 'sink', sinkPort);
    const url = `rtmp://127.0.0.1:${port}/live/src`;
    const publisher = startChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', flv, '-c', 'copy', '-f', 'flv', url], join(dir, 'publisher.log'));
    await sleep(5000);
    const pid = source.pid!;
    console.log(`relay: a 3 Mbps source, ${targets} RTMP players, then ${targets} restream targets, ${seconds} s each`);
    const idle = await cpuOver(pid, seconds);

    const players = Array.from({ length: targets }, (_, i) =>
      startChild('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', url, '-c', 'copy', '-f', 'null', '-'], join(dir, `player${i}.log`)));
    await sleep(5000);
    const withPlayers = await cpuOver(pid, seconds);
    const playing = players.filter((player) => player.exitCode === null).length;
    await Promise.all(players.map((player) => stopChild(player)));

    const ids: string[] = [];
    for (let i = 0; i < targets; i++) {
      ids.push((await api(apiPort, 'POST', '', { app: 'live', stream: 'src', server: `rtmp://127.0.0.1:${sinkPort}/copy`, key: `t${i}` })).id!);
    }
    await sleep(5000);
    const withTargets = await cpuOver(pid, seconds);
    const live = (await api(apiPort, 'GET', '')).pushes?.filter((push) => push.state === 'live').length ?? 0;
    for (const id of ids) await api(apiPort, 'DELETE', `/${id}`);

    const perPlayer = (withPlayers - idle) / targets;
    const perTarget = (withTargets - idle) / targets;
    console.log(`\nsource alone        ${idle.toFixed(1)} % of a core`);
    console.log(`+ ${targets} players        ${withPlayers.toFixed(1)} %  (${perPlayer.toFixed(2)} % each; ${playing} still playing at the end)`);
    console.log(`+ ${targets} targets        ${withTargets.toFixed(1)} %  (${perTarget.toFixed(2)} % each; ${live} live at the end)`);
    console.log(`one target costs ${(perTarget / perPlayer).toFixed(2)} players (goal: at most 2)`);

    if (deadMinutes > 0) {
      await api(apiPort, 'POST', '', { app: 'live', stream: 'src', server: `rtmp://127.0.0.1:${deadPort}/copy`, key: 'dead' });
      const monitor = new TreeMonitor(pid);
      monitor.start();
      const samples: number[] = [];
      for (let s = 0; s < deadMinutes * 6; s++) {
        await sleep(10_000);
        samples.push(monitor.lastRssMiB);
      }
      const usage = monitor.stop();
      console.log(`\none dead target for ${deadMinutes} min: RSS first ${samples[0]!.toFixed(1)} MiB, last ${samples.at(-1)!.toFixed(1)} MiB, peak ${usage.rssPeakMiB.toFixed(1)} MiB (goal: flat)`);
    }
    await stopChild(publisher);
    await stopChild(sink);
    await stopChild(source);
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
