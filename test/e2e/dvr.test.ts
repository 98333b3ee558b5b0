import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeErrors, playToFile, publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

/** Video frames ffprobe reads, the container duration, and anything ffprobe complains about. */
async function probe(file: string): Promise<{ frames: number; duration: number; complaints: string }> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames:format=duration', '-of', 'json', file,
  ]);
  const info = JSON.parse(stdout) as { streams: Array<{ nb_read_frames?: string }>; format: { duration?: string } };
  const { stderr } = await run('ffprobe', ['-v', 'error', '-show_frames', '-of', 'compact', file], { maxBuffer: 64 * 1024 * 1024 });
  return { frames: Number(info.streams[0]?.nb_read_frames ?? 0), duration: Number(info.format.duration ?? 0), complaints: stderr };
}

/** A callback receiver that accepts everything and keeps the JSON bodies. */
async function hookReceiver(): Promise<{ server: Server; url: string; bodies: Array<Record<string, unknown>> }> {
  const bodies: Array<Record<string, unknown>> = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (text) bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.end('{"code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, bodies };
}

const closedFiles = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === 'recording file closed');

test('DVR session plan: FLV and MP4 files hold the published duration and decode cleanly; on_dvr names the file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-dvr-'));
  const hooks = await hookReceiver();
  const servers = await Promise.all(['mp4', 'flv'].map((ext) =>
    startTestServer({
      vhosts: {
        __defaultVhost__: {
          dvr: { enabled: true, dvr_path: join(dir, ext, '[app]/[stream].[timestamp].' + ext) },
          http_hooks: { enabled: true, on_dvr: [`${hooks.url}/on_dvr`] },
        },
      },
    }),
  ));
  try {
    const publishers = servers.map((s) => publishTestPattern(s.rtmpUrl('live/cam'), 4));
    assert.deepEqual(await Promise.all(publishers.map((p) => p.exited)), [0, 0]);
    for (const server of servers) await waitFor(() => closedFiles(server.logs())[0], 'the file to close');
    const dvr = await waitFor(() => (hooks.bodies.length >= 2 ? hooks.bodies : undefined), 'two on_dvr');

    for (const ext of ['mp4', 'flv']) {
      const names = await readdir(join(dir, ext, 'live'));
      assert.equal(names.length, 1, `one ${ext} file per publish`);
      assert.match(names[0]!, new RegExp(`^cam\\.\\d{13}\\.${ext}$`));
      const file = join(dir, ext, 'live', names[0]!);
      const { frames, duration, complaints } = await probe(file);
      assert.ok(frames >= 98 && frames <= 100, `${ext}: ${frames} video frames of 100 published`);
      assert.ok(Math.abs(duration - 4) <= 0.12, `${ext}: duration ${duration} s`);
      assert.equal(complaints, '', `${ext}: ffprobe -show_frames complains`);
      assert.equal(await decodeErrors(file), '', `${ext}: decode errors`);
      const hook = dvr.find((b) => b.file === file);
      assert.ok(hook, `on_dvr for ${file}`);
      assert.equal(hook.action, 'on_dvr');
      assert.equal(hook.cwd, process.cwd());
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    hooks.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('DVR segment plan: a new file every dvr_duration, each starting at a keyframe; dvr_apply filters streams', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-dvr-'));
  const server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        dvr: { enabled: true, dvr_path: join(dir, '[app]/[stream]-[2006][01][02]-[15][04][05]-[999].mp4'), dvr_plan: 'segment', dvr_duration: 1, dvr_apply: 'live/seg' },
      },
    },
  });
  try {
    const publishers = [publishTestPattern(server.rtmpUrl('live/seg'), 4), publishTestPattern(server.rtmpUrl('live/other'), 2)];
    assert.deepEqual(await Promise.all(publishers.map((p) => p.exited)), [0, 0]);
    await server.waitForLog((l) => l.msg === 'recording file closed' && String(l.file).endsWith('.mp4') && closedFiles(server.logs()).length >= 4);
    const names = (await readdir(join(dir, 'live'))).sort();
    assert.ok(names.length >= 4, `files: ${names.join(' ')}`);
    assert.ok(names.every((n) => /^seg-\d{8}-\d{6}-\d{3}\.mp4$/.test(n)), 'only the applied stream, named by the template');
    let frames = 0;
    for (const name of names) {
      const file = join(dir, 'live', name);
      const result = await probe(file);
      assert.equal(result.complaints, '', name);
      assert.equal(await decodeErrors(file), '', name);
      frames += result.frames;
    }
    assert.ok(frames >= 98 && frames <= 100, `${frames} video frames over all segments`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unwritable DVR path pauses the recording with an error and artifact code != 0; players carry on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-dvr-'));
  const blocker = join(dir, 'not-a-dir');
  await writeFile(blocker, 'a file where a directory should be');
  const hooks = await hookReceiver();
  const server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        dvr: { enabled: true, dvr_path: join(blocker, '[app]/[stream].flv') },
        record: { enabled: true, apps: ['live'], record_path: join(blocker, 'records') },
        http_hooks: { enabled: true, dialect: 'oryx', on_record_begin: [hooks.url], on_record_end: [hooks.url] },
      },
    },
  });
  try {
    const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 5);
    const errors = await waitFor(() => {
      const found = server.logs().filter((l) => String(l.msg).startsWith('recording paused'));
      return found.length >= 2 ? found : undefined;
    }, 'both recordings to pause');
    const played = join(dir, 'played.flv');
    const player = playToFile(server.httpUrl('live/cam.flv'), 2, played);
    assert.ok(errors.every((l) => l.level === 50), 'logged as errors');
    const end = await waitFor(() => hooks.bodies.find((b) => b.action === 'on_record_end'), 'on_record_end');
    assert.notEqual(end.artifact_code, 0);
    assert.equal(end.artifact_url, '');
    assert.equal(await player.exited, 0, player.stderr());
    assert.equal(await publisher.exited, 0, publisher.stderr());
    const { frames, complaints } = await probe(played);
    assert.equal(complaints, '');
    assert.ok(frames >= 45, `the player got ${frames} frames`);
  } finally {
    await server.close();
    hooks.server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
