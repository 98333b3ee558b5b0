import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { freePort, waitFor } from '../support/wait.js';

const ROOT = join(import.meta.dirname, '../..');

test('a record task writes <record_path>/<uuid>.mp4, served at /record/<uuid>.mp4 with ranges', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-record-'));
  const server = await startTestServer({
    vhosts: { __defaultVhost__: { record: { enabled: true, apps: ['live'], record_path: dir } } },
  });
  try {
    const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 3);
    assert.equal(await publisher.exited, 0, publisher.stderr());
    const closed = await server.waitForLog((l) => l.msg === 'recording file closed');
    const [name] = await readdir(dir);
    assert.match(name!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.mp4$/);
    assert.equal(closed.file, join(dir, name!));

    const response = await fetch(server.httpUrl(`record/${name}`));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'video/mp4');
    const downloaded = join(dir, 'downloaded.mp4');
    await writeFile(downloaded, Buffer.from(await response.arrayBuffer()));
    const probe = await ffprobe(downloaded);
    assert.ok(Math.abs(Number(probe.format.duration) - 3) <= 0.12, `duration ${probe.format.duration}`);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await decodeErrors(downloaded), '');

    const range = await fetch(server.httpUrl(`record/${name}`), { headers: { Range: 'bytes=4-11' } });
    assert.equal(range.status, 206);
    assert.equal(Buffer.from(await range.arrayBuffer()).toString('latin1'), 'ftypisom');
    assert.equal((await fetch(server.httpUrl('record/../../etc/passwd.mp4'))).status, 404);
    assert.equal((await fetch(server.httpUrl('record/not-a-uuid.mp4'))).status, 404);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('after kill -9 the MP4 and FLV written so far play; the next start repairs the MP4 tail', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-kill-'));
  const [rtmpPort, httpPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'sluice.yaml');
  await writeFile(conf, [
    `listen: "127.0.0.1:${rtmpPort}"`,
    // One process: the kill must cut short the process that writes the files.
    'workers: 1',
    `http_server: { listen: "127.0.0.1:${httpPort}", dir: "${join(dir, 'html')}" }`,
    'http_api: { enabled: false }',
    `data_dir: "${join(dir, 'data')}"`,
    'vhosts:',
    '  __defaultVhost__:',
    `    dvr: { enabled: true, dvr_path: "${join(dir, 'dvr/[app]/[stream].flv')}" }`,
    `    record: { enabled: true, apps: [live], record_path: "${join(dir, 'record')}" }`,
  ].join('\n'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '-c', conf], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise((resolve) => child.on('close', resolve));
  let publisher: ReturnType<typeof publishTestPattern> | undefined;
  try {
    await waitFor(() => output.includes('rtmp') && output.includes('listening'), 'sluice to listen');
    publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmpPort}/live/cam`, 10);
    await waitFor(() => (output.match(/recording to file/g) ?? []).length >= 2, 'both recordings to start');
    await new Promise((resolve) => setTimeout(resolve, 3500));
    child.kill('SIGKILL');
    await exited;
  } finally {
    child.kill('SIGKILL');
    await publisher?.stop();
  }
  try {
    const flv = join(dir, 'dvr/live/cam.flv');
    const [artifact] = await readdir(join(dir, 'record'));
    const mp4 = join(dir, 'record', artifact!);
    for (const file of [flv, mp4]) {
      const probe = await ffprobe(file);
      assert.ok(Number(probe.format.duration) > 2, `${file}: duration ${probe.format.duration}`);
      assert.equal(probe.streams.length, 2);
    }
    // The next start cuts whatever fragment the kill interrupted: the file then decodes cleanly.
    const server = await startTestServer({
      vhosts: { __defaultVhost__: { record: { record_path: join(dir, 'record') } } },
    });
    await server.close();
    assert.equal(await decodeErrors(mp4), '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
