import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffprobe, publishTestPattern } from '../support/ffmpeg.js';
import { startHealthyStream } from '../support/healthy.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

const relay = { retry_initial: 0.2, retry_max: 1, connect_timeout: 3 };
type Line = Record<string, unknown>;
const publishStart = (stream: string, protocol = 'rtmp') => (line: Line) =>
  line.msg === 'publish start' && line.stream === stream && line.protocol === protocol;

/** A notify receiver: `answer` writes the reply to each form it gets. */
async function notifyReceiver(answer: (path: string, form: URLSearchParams, response: ServerResponse) => void): Promise<{ server: Server; url: (path: string) => string }> {
  const server = createServer((request: IncomingMessage, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      answer(request.url ?? '', new URLSearchParams(text), response);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: (path) => `http://127.0.0.1:${(server.address() as { port: number }).port}${path}` };
}

async function assertCopy(server: TestServer, path: string): Promise<void> {
  const probe = await ffprobe(server.httpUrl(`${path}.flv`));
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
}

async function pullApi(server: TestServer, method: string, path = '', body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/pulls${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test('push: every publish of the vhost goes to each push URL, under its own name unless the URL names one', async () => {
  const target = await startTestServer();
  const healthy = await startHealthyStream(target);
  const base = `rtmp://127.0.0.1:${target.rtmpPort}/live`;
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { push: [base, `${base}/copy`] } } });
  const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 60);
  try {
    await target.waitForLog(publishStart('live/cam'));
    await target.waitForLog(publishStart('live/copy'));
    await assertCopy(target, 'live/cam');
    await assertCopy(target, 'live/copy');
    const pushes = source.logs().filter((line) => line.msg === 'push live');
    assert.deepEqual(pushes.map((line) => line.origin), ['push', 'push']);
    await healthy.assertServing();
  } finally {
    await publisher.stop();
    await healthy.stop();
    await Promise.all([source.close(), target.close()]);
  }
});

test('notify: a 3xx to on_publish with an rtmp:// Location pushes the stream there; the publish goes on here', async () => {
  const target = await startTestServer();
  const healthy = await startHealthyStream(target);
  const receiver = await notifyReceiver((path, _form, response) => {
    if (path === '/on_publish') response.writeHead(302, { location: `rtmp://127.0.0.1:${target.rtmpPort}/live/relayed` });
  });
  const source = await startTestServer({ relay, vhosts: { __defaultVhost__: { http_notify: { enabled: true, on_publish: receiver.url('/on_publish') } } } });
  const publisher = publishTestPattern(source.rtmpUrl('live/cam'), 60);
  try {
    await target.waitForLog(publishStart('live/relayed'));
    await assertCopy(target, 'live/relayed');
    await assertCopy(source, 'live/cam');
    assert.equal(source.logs().find((line) => line.msg === 'push live')?.origin, 'on_publish relay');
    await healthy.assertServing();
  } finally {
    await publisher.stop();
    await healthy.stop();
    await Promise.all([source.close(), target.close()]);
    receiver.server.close();
  }
});

test('notify: a 3xx to on_play with an rtmp:// Location pulls the stream from there; RTMP and HTTP-FLV players play, and the pull ends with them', async () => {
  const origin = await startTestServer();
  const receiver = await notifyReceiver((path, form, response) => {
    if (path === '/on_play' && form.get('name') === 'cam') response.writeHead(302, { location: `rtmp://127.0.0.1:${origin.rtmpPort}/live/src` });
  });
  const edge = await startTestServer({ relay, vhosts: { __defaultVhost__: { http_notify: { enabled: true, on_play: receiver.url('/on_play') } } } });
  const healthy = await startHealthyStream(edge);
  const publisher = publishTestPattern(origin.rtmpUrl('live/src'), 60);
  try {
    await origin.waitForLog(publishStart('live/src'));
    const player = await TestRtmpClient.open(edge.rtmpPort, 'live', { keepMedia: false });
    assert.equal(await player.play('cam'), 'NetStream.Play.Start');
    await edge.waitForLog(publishStart('live/cam', 'rtmp-pull'));
    await player.waitUntil(() => player.mediaBytes > 50_000, 15_000, 'media of the pulled stream');
    player.close();
    const pullStopped = (line: Line) => line.msg === 'publish stop' && line.stream === 'live/cam' && line.protocol === 'rtmp-pull';
    await edge.waitForLog(pullStopped);
    // An HTTP-FLV player gets the same relay.
    await assertCopy(edge, 'live/cam');
    await waitFor(() => edge.logs().filter(pullStopped).length === 2, 'the second pull to stop with its player');
    await healthy.assertServing();
  } finally {
    await publisher.stop();
    await healthy.stop();
    await Promise.all([edge.close(), origin.close()]);
    receiver.server.close();
  }
});

test('pulls API: a pull added at run time publishes here, survives a restart, and is stopped and forgotten on DELETE', async () => {
  const origin = await startTestServer();
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pulls-'));
  const first = await startTestServer({ relay, data_dir: dataDir });
  let edge: TestServer | undefined;
  let healthy: Awaited<ReturnType<typeof startHealthyStream>> | undefined;
  const publisher = publishTestPattern(origin.rtmpUrl('live/src'), 60);
  try {
    const added = await pullApi(first, 'POST', '', { url: origin.rtmpUrl('live/src'), app: 'live', stream: 'apicopy' });
    assert.equal(added.status, 200);
    const { id } = added.json.data as { id: string };
    await first.waitForLog(publishStart('live/apicopy', 'rtmp-pull'));
    await first.close();

    // The pull is kept in the data directory: a restarted server pulls again, under the same id.
    edge = await startTestServer({ relay, data_dir: dataDir });
    healthy = await startHealthyStream(edge);
    await edge.waitForLog(publishStart('live/apicopy', 'rtmp-pull'));
    await assertCopy(edge, 'live/apicopy');
    const relays = await (await fetch(`http://127.0.0.1:${edge.apiPort}/api/sluice/v1/relays`)).json() as { data: { pulls: Array<{ id: string }> } };
    assert.ok(relays.data.pulls.some((pull) => pull.id === id), 'the relays list shows the pull');

    assert.equal((await pullApi(edge, 'DELETE', `/${id}`)).status, 200);
    await edge.waitForLog((line) => line.msg === 'publish stop' && line.stream === 'live/apicopy');
    assert.deepEqual((await pullApi(edge, 'GET')).json.data, []);
    assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'pulls.json'), 'utf8')), { pulls: [] });
    assert.equal((await pullApi(edge, 'DELETE', `/${id}`)).status, 404);
    assert.equal((await pullApi(edge, 'POST', '', { url: 'ftp://x/live/y', app: 'live', stream: 'y' })).status, 400);
    assert.equal((await pullApi(edge, 'POST', '', { url: origin.rtmpUrl('live/src'), app: 'live' })).status, 400);
    await healthy.assertServing();
  } finally {
    await publisher.stop();
    await healthy?.stop();
    await Promise.all([first.close(), edge?.close(), origin.close()]);
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('notify 3xx over SRT and RTSP: their publishes are relayed to the on_publish Location, their players get the on_play pull', async () => {
  const origin = await startTestServer();
  const receiver = await notifyReceiver((path, form, response) => {
    const relayed: Record<string, string> = { srtcam: 'fromsrt', rtspcam: 'fromrtsp' };
    const name = form.get('name') ?? '';
    if (path === '/on_publish' && relayed[name]) response.writeHead(302, { location: origin.rtmpUrl(`live/${relayed[name]}`) });
    if (path === '/on_play' && name === 'pulled') response.writeHead(302, { location: origin.rtmpUrl('live/src') });
  });
  const edge = await startTestServer({
    relay,
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', udp: false },
    vhosts: { __defaultVhost__: { http_notify: { enabled: true, on_publish: receiver.url('/on_publish'), on_play: receiver.url('/on_play') } } },
  });
  const healthy = await startHealthyStream(edge);
  const srtUrl = (streamId: string): string => `srt://127.0.0.1:${edge.srtPort}?streamid=${streamId}`;
  const publishers = [
    publishTestPattern(origin.rtmpUrl('live/src'), 60),
    publishTestPattern(`${srtUrl('#!::r=live/srtcam,m=publish')}&latency=200000`, 60, { container: 'mpegts' }),
    publishTestPattern(`rtsp://127.0.0.1:${edge.rtspPort}/live/rtspcam`, 60, { container: 'rtsp' }),
  ];
  try {
    await origin.waitForLog(publishStart('live/fromsrt'), 15_000);
    await origin.waitForLog(publishStart('live/fromrtsp'), 15_000);
    await assertCopy(origin, 'live/fromsrt');
    await assertCopy(origin, 'live/fromrtsp');

    await origin.waitForLog(publishStart('live/src'));
    const srtProbe = await ffprobe(srtUrl('#!::r=live/pulled,m=request'));
    assert.deepEqual(srtProbe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    await edge.waitForLog(publishStart('live/pulled', 'rtmp-pull'));
    const pullStopped = (line: Line) => line.msg === 'publish stop' && line.stream === 'live/pulled' && line.protocol === 'rtmp-pull';
    await edge.waitForLog(pullStopped);
    const rtspProbe = await ffprobe(`rtsp://127.0.0.1:${edge.rtspPort}/live/pulled`);
    assert.deepEqual(rtspProbe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    await waitFor(() => edge.logs().filter(pullStopped).length === 2, 'the RTSP player\'s pull to stop with it');
    await healthy.assertServing();
  } finally {
    await Promise.all(publishers.map((publisher) => publisher.stop()));
    await healthy.stop();
    await Promise.all([edge.close(), origin.close()]);
    receiver.server.close();
  }
});
