import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseConfig, type SluiceConfigInput } from '../../src/config/schema.js';
import { processExists as alive } from '../support/audio-fixtures.js';
import { ffprobe, playToFile } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { waitForAsync } from '../support/wait.js';

const run = promisify(execFile);
type Status = { name: string; state: string; pid?: number; restarts: number; lastError?: string; transcode: boolean; output: string };

test('SRS ingest: ffmpeg copies or transcodes into the server as a supervised child, listed and stopped/started through the API, restarted only when changed at a reload, and gone at shutdown', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-ingest-'));
  const source = join(dir, 'source.flv');
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '40', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', '-f', 'flv', source,
  ]);
  const ingests = (smallBitrate: number, withBroken: boolean): NonNullable<SluiceConfigInput['vhosts']> => ({
    __defaultVhost__: {
      ingests: {
        copied: { enabled: true, input: { type: 'file', url: source }, ffmpeg: 'ffmpeg', engine: { enabled: false, output: 'rtmp://127.0.0.1:[port]/live/copied?vhost=[vhost]' } },
        small: {
          enabled: true, input: { type: 'file', url: source }, ffmpeg: 'ffmpeg',
          engine: { enabled: true, vcodec: 'libx264', vpreset: 'ultrafast', vwidth: 160, vheight: 120, vbitrate: smallBitrate, acodec: 'aac', abitrate: 32, output: 'rtmp://127.0.0.1:[port]/live/small' },
        },
        ...(withBroken ? { broken: { enabled: true, input: { type: 'stream', url: 'rtsp://user:secret@127.0.0.1:1/cam' }, ffmpeg: join(dir, 'no-such-ffmpeg'), engine: { output: 'rtmp://127.0.0.1:[port]/live/broken' } } } : {}),
        off: { enabled: false },
      },
    },
  });
  const relay = { retry_initial: 0.2, retry_max: 1 };
  let next = ingests(200, true);
  const server = await startTestServer({ relay, vhosts: ingests(200, true) }, async () => ({
    config: parseConfig({ listen: '127.0.0.1:0', data_dir: dir, relay, vhosts: next }),
    warnings: [],
    source: 'test',
  }));
  const api = async (path: string, method = 'GET'): Promise<unknown> => {
    const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/ingests${path}`, { method });
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { data: unknown }).data;
  };
  const list = async (): Promise<Map<string, Status>> => new Map(((await api('')) as Status[]).map((s) => [s.name, s]));
  try {
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/copied', 15_000);
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/small', 15_000);
    const copy = join(dir, 'copied.flv');
    const small = join(dir, 'small.flv');
    const players = [playToFile(server.rtmpUrl('live/copied'), 2, copy), playToFile(server.rtmpUrl('live/small'), 2, small)];
    for (const player of players) assert.equal(await player.exited, 0, player.stderr());
    assert.deepEqual((await ffprobe(copy)).streams.map((s) => `${s.codec_name}${s.width ? `:${s.width}` : ''}`).sort(), ['aac', 'h264:320']);
    assert.deepEqual((await ffprobe(small)).streams.map((s) => `${s.codec_name}${s.width ? `:${s.width}` : ''}`).sort(), ['aac', 'h264:160']);

    const broken = await waitForAsync(async () => {
      const found = (await list()).get('broken');
      return found && found.restarts >= 1 && found;
    }, 'the broken ingest to be retried');
    assert.equal(broken.state, 'retrying');
    assert.match(broken.lastError ?? '', /could not start .*no-such-ffmpeg: .*ENOENT/);
    assert.ok(server.logs().some((line) => line.msg === 'process ended; restarting' && line.process === 'ingest broken'));
    let status = await list();
    assert.deepEqual([...status.keys()].sort(), ['broken', 'copied', 'small'], 'disabled ingests do not run');
    assert.equal(status.get('copied')!.state, 'running');
    assert.equal(status.get('copied')!.transcode, false);
    assert.equal(status.get('small')!.transcode, true);
    assert.ok(!JSON.stringify(status.get('broken')).includes('secret'), 'credentials stay out of the API');
    assert.equal(status.get('copied')!.output, `rtmp://127.0.0.1:${server.rtmpPort}/live/co…`);

    // Stop and start through the API: the process is gone once stop answers.
    const firstPid = status.get('copied')!.pid!;
    assert.equal(((await api('/copied/stop', 'POST')) as Status).state, 'stopped');
    assert.ok(!alive(firstPid), 'stopped ingest leaves no process');
    assert.equal(((await api('/copied/start', 'POST')) as Status).state, 'running');
    const copiedPid = (await list()).get('copied')!.pid!;
    assert.notEqual(copiedPid, firstPid);
    const smallPid = (await list()).get('small')!.pid!;

    // A reload restarts only what changed: small's bitrate; broken is removed; copied runs on.
    next = ingests(300, false);
    await server.reload();
    status = await waitForAsync(async () => {
      const now = await list();
      return !now.has('broken') && now.get('small')?.state === 'running' && now;
    }, 'the reload to apply');
    assert.equal(status.get('copied')!.pid, copiedPid, 'an unchanged ingest keeps running');
    assert.notEqual(status.get('small')!.pid, smallPid, 'a changed ingest restarts');
    assert.ok(!alive(smallPid));

    const metrics = await (await fetch(`http://127.0.0.1:${server.apiPort}/metrics`)).text();
    assert.match(metrics, /sluice_relay_events_total\{kind="ingest",event="failure"\} [1-9]/);
    assert.match(metrics, /sluice_relays\{kind="ingest",state="running"\} 2/);

    const pids = [...(await list()).values()].map((s) => s.pid!);
    await server.close();
    for (const pid of pids) assert.ok(!alive(pid), `ffmpeg ${pid} ended with the server`);
  } finally {
    await server.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
});
