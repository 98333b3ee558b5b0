import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, startGap, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { TestRtspClient } from '../support/rtsp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';
import { waitFor, waitForAsync } from '../support/wait.js';

let server: TestServer;
let publisher: RunningProcess;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0, max_request_bytes: 4096 },
    publish_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
    play_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-rtsp-'));
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 120);
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const rtspUrl = (path: string): string => `rtsp://127.0.0.1:${server.rtspPort}/${path}`;

/** Runs ffmpeg to its end. */
function ffmpeg(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-8000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

async function assertCleanAv(file: string, minSeconds: number): Promise<void> {
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(probe.format.duration) >= minSeconds, `duration ${probe.format.duration}`);
  assert.ok(startGap(probe) < 0.1, `audio and video start ${startGap(probe)} s apart`);
  assert.equal(await decodeErrors(file), '');
}

for (const transport of ['tcp', 'udp']) {
  test(`ffmpeg plays an RTMP-published stream over RTSP/${transport}`, async () => {
    const file = join(dir, `play-${transport}.mkv`);
    const run = await ffmpeg(['-rtsp_transport', transport, '-i', rtspUrl('live/cam'), '-t', '3', '-c', 'copy', '-y', file]);
    assert.equal(run.code, 0, run.stderr);
    await assertCleanAv(file, 2.5);
    const end = await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'rtsp' && line.reason === 'teardown');
    assert.ok(Number(end.sent) > 50_000, `sent ${end.sent}`);
    await healthy.assertServing();
  });

  test(`ffmpeg publishes over RTSP/${transport}; RTMP and HTTP-FLV play it clean`, async () => {
    const name = `pub-${transport}`;
    const rtmpFile = join(dir, `${name}.flv`);
    const httpFile = join(dir, `${name}-http.flv`);
    // A player waiting before the publisher gets its stream from the first frame.
    const rtmpPlayer = playToFile(server.rtmpUrl(`live/${name}`), 3, rtmpFile);
    const rtsp = ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'rtsp', '-rtsp_transport', transport, rtspUrl(`live/${name}`),
    ]);
    const start = await server.waitForLog((line) => line.msg === 'publish start' && line.stream === `live/${name}`);
    assert.equal(start.transport, transport);
    const httpPlayer = playToFile(server.httpUrl(`live/${name}.flv`), 3, httpFile);
    assert.equal(await rtmpPlayer.exited, 0, rtmpPlayer.stderr());
    assert.equal(await httpPlayer.exited, 0, httpPlayer.stderr());
    await assertCleanAv(rtmpFile, 2.5);
    const probe = await ffprobe(httpFile);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await decodeErrors(httpFile), '');
    const result = await rtsp;
    assert.equal(result.code, 0, result.stderr);
    await server.waitForLog((line) => line.msg === 'session end' && line.stream === `live/${name}` && line.protocol === 'rtsp');
  });
}

test('the gate refuses: ffmpeg gets 403 to play and to publish; with the secret the SDP describes H.264 and AAC', async () => {
  const play = await ffmpeg(['-rtsp_transport', 'tcp', '-i', rtspUrl('locked/cam'), '-t', '1', '-f', 'null', '-']);
  assert.notEqual(play.code, 0);
  assert.match(play.stderr, /403 Forbidden/);
  const publish = await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'rtsp', rtspUrl('locked/cam')]);
  assert.notEqual(publish.code, 0);
  assert.match(publish.stderr, /403 Forbidden/);
  await server.waitForLog((line) => line.msg === 'rtsp publish refused' && line.stream === 'locked/cam');
  const client = await TestRtspClient.open(server.rtspPort!);
  const missing = await client.request('DESCRIBE', rtspUrl('live/nobody'));
  assert.equal(missing.status, 404);
  const described = await client.request('DESCRIBE', rtspUrl('live/cam?secret=letmein'));
  assert.equal(described.status, 200);
  assert.match(described.body, /a=rtpmap:96 H264\/90000/);
  assert.match(described.body, /packetization-mode=1;profile-level-id=[0-9A-F]{6};sprop-parameter-sets=[A-Za-z0-9+/=]+,[A-Za-z0-9+/=]+/);
  assert.match(described.body, /a=rtpmap:97 MPEG4-GENERIC\/44100\/1/);
  assert.match(described.body, /mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=[0-9a-f]+/);
  client.close();
  await healthy.assertServing();
});

test('hostile input is refused and the healthy stream keeps serving', async () => {
  // Garbage: 400, then the connection is closed.
  const garbage = await TestRtspClient.open(server.rtspPort!);
  garbage.write('\x16\x03\x01\x02\x00 hello there\r\n\r\n');
  assert.equal((await garbage.next()).status, 400);
  await garbage.closed;
  // Headers beyond max_request_bytes: 400 and closed, without waiting for their end.
  const oversized = await TestRtspClient.open(server.rtspPort!);
  oversized.write(`OPTIONS ${rtspUrl('live/cam')} RTSP/1.0\r\nX-Filler: ${'a'.repeat(8000)}`);
  assert.equal((await oversized.next()).status, 400);
  await oversized.closed;
  // A body larger than allowed is refused before it is read.
  const body = await TestRtspClient.open(server.rtspPort!);
  body.write(`ANNOUNCE ${rtspUrl('live/big')} RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 100000000\r\n\r\n`);
  assert.equal((await body.next()).status, 400);
  await body.closed;
  // Interleaved data before any SETUP: dropped with a log line; the connection still answers.
  const early = await TestRtspClient.open(server.rtspPort!);
  early.write(Buffer.from([0x24, 7, 0, 4, 1, 2, 3, 4]));
  assert.equal((await early.request('OPTIONS', rtspUrl('live/cam'))).status, 200);
  await server.waitForLog((line) => line.msg === 'rtsp interleaved data on a channel with no SETUP, dropped' && line.channel === 7);
  early.close();
  // A publisher sending RTP with bad lengths: packets are dropped and counted, the session goes on.
  const bad = await TestRtspClient.open(server.rtspPort!);
  const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n';
  assert.equal((await bad.request('ANNOUNCE', rtspUrl('live/bad'), { 'Content-Type': 'application/sdp' }, sdp)).status, 200);
  const setup = await bad.request('SETUP', `${rtspUrl('live/bad')}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
  assert.equal(setup.status, 200);
  const session = setup.headers.get('session')!.split(';')[0]!;
  assert.match(setup.headers.get('session')!, /;timeout=60$/);
  assert.equal((await bad.request('RECORD', rtspUrl('live/bad'), { Session: session })).status, 200);
  const header = (extension: boolean, csrc: number): Buffer => Buffer.from([0x80 | (extension ? 0x10 : 0) | csrc, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
  for (const packet of [
    Buffer.from([0x80, 96]), // shorter than its header
    header(false, 15), // CSRCs beyond the end
    Buffer.concat([header(true, 0), Buffer.from([0, 0, 0xff, 0xff])]), // extension overruns
    Buffer.concat([header(false, 0), Buffer.from([28, 0x85])]), // truncated FU-A
    Buffer.concat([header(false, 0), Buffer.from([24, 0xff, 0xff, 1])]), // STAP-A unit overruns
    Buffer.from([0xa0, 96, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0xff]), // padding longer than the packet
  ]) {
    bad.write(Buffer.concat([Buffer.from([0x24, 0, packet.length >> 8, packet.length & 0xff]), packet]));
  }
  assert.equal((await bad.request('GET_PARAMETER', rtspUrl('live/bad'), { Session: session })).status, 200);
  assert.equal((await bad.request('PLAY', rtspUrl('live/bad'), { Session: 'nosuchsession' })).status, 454);
  bad.close();
  const end = await server.waitForLog((line) => line.msg === 'session end' && line.stream === 'live/bad');
  // The four packets whose RTP header does not parse are counted; the bad payloads are lost data.
  assert.ok(Number(end.damaged_packets) >= 4, `damaged ${end.damaged_packets}`);
  await healthy.assertServing();
});

test('auth_challenge: a refused client without credentials gets 401 and a Basic challenge, with credentials 403', async () => {
  const challenging = await startTestServer({
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', udp: false, auth_challenge: true },
    play_secret: { enabled: true, secret: 'letmein', apps: ['live'] },
  });
  try {
    const client = await TestRtspClient.open(challenging.rtspPort!);
    const url = `rtsp://127.0.0.1:${challenging.rtspPort}/live/cam`;
    const bare = await client.request('DESCRIBE', url);
    assert.equal(bare.status, 401);
    assert.equal(bare.headers.get('www-authenticate'), 'Basic realm="Sluice"');
    const wrong = await client.request('DESCRIBE', url, { Authorization: `Basic ${Buffer.from('cam:nope').toString('base64')}` });
    assert.equal(wrong.status, 403);
    client.close();
  } finally {
    await challenging.close();
  }
});

test('rtsp://user:pass@ with auth_challenge digest: ffmpeg answers the Digest challenge and the callback checks the response', async () => {
  const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
  // The callback knows the camera's password and checks the Digest response the gate hands it in `param`.
  const receiver = await Receiver.start((req, res) => {
    const body = JSON.parse(req.body) as { action: string; param: string };
    if (body.action !== 'on_play' && body.action !== 'on_publish') return res.end('0');
    const args = new URLSearchParams(body.param);
    const get = (key: string): string => args.get(key) ?? '';
    const ha1 = md5(`${get('user')}:${get('digest_realm')}:secret`);
    const expected = md5(`${ha1}:${get('digest_nonce')}:${md5(`${get('digest_method')}:${get('digest_uri')}`)}`);
    res.end(get('user') === 'cam' && get('digest_response') === expected ? '0' : '{"code":1}');
  });
  const digest = await startTestServer({
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', udp: false, auth_challenge: 'digest' },
    vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_play: receiver.url('/play'), on_publish: receiver.url('/publish') } } },
  });
  try {
    const url = (credentials: string, path: string): string => `rtsp://${credentials}@127.0.0.1:${digest.rtspPort}/${path}`;
    const publish = ffmpeg([
      '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-f', 'rtsp', '-rtsp_transport', 'tcp', url('cam:secret', 'live/door'),
    ]);
    await digest.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/door');
    const file = join(dir, 'digest.mkv');
    const [play, wrong] = await Promise.all([
      ffmpeg(['-rtsp_transport', 'tcp', '-i', url('cam:secret', 'live/door'), '-t', '2', '-c', 'copy', '-y', file]),
      ffmpeg(['-rtsp_transport', 'tcp', '-i', url('cam:guess', 'live/door'), '-t', '1', '-f', 'null', '-']),
    ]);
    assert.equal(play.code, 0, play.stderr);
    assert.deepEqual((await ffprobe(file)).streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /403 Forbidden/);
    // Digest, not Basic: no password ever reached the gate.
    const params = receiver.requests.map((r) => (JSON.parse(r.body) as { param: string }).param);
    assert.ok(params.some((param) => /digest_response=/.test(param)), params.join(' '));
    assert.ok(params.every((param) => !/pass=/.test(param)), params.join(' '));
    assert.equal((await publish).code, 0);
  } finally {
    await digest.close();
    await receiver.close();
  }
});

test('H.265, Opus and G.711 A-law published over RTSP play back over RTSP with the same codecs, clean', async () => {
  const cases = [
    { name: 'hevc', video: ['-c:v', 'libx265', '-preset', 'ultrafast', '-tune', 'zerolatency', '-x265-params', 'log-level=error:keyint=25'], audio: ['-c:a', 'aac'], codecs: ['aac', 'hevc'] },
    { name: 'opus', video: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25'], audio: ['-c:a', 'libopus', '-ar', '48000'], codecs: ['h264', 'opus'] },
    { name: 'alaw', video: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25'], audio: ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1'], codecs: ['h264', 'pcm_alaw'] },
  ];
  await Promise.all(
    cases.map(async ({ name, video, audio, codecs }) => {
      const publish = ffmpeg([
        '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '6', ...video, '-pix_fmt', 'yuv420p', ...audio, '-f', 'rtsp', '-rtsp_transport', 'tcp', rtspUrl(`live/${name}`),
      ]);
      await server.waitForLog((line) => line.msg === 'publish start' && line.stream === `live/${name}`);
      // DESCRIBE answers once the publisher's first frames have given the stream its tracks.
      await waitForAsync(async () => {
        const client = await TestRtspClient.open(server.rtspPort!);
        const { status } = await client.request('DESCRIBE', rtspUrl(`live/${name}`));
        client.close();
        return status === 200;
      }, `tracks of live/${name}`);
      const file = join(dir, `${name}.mkv`);
      const play = await ffmpeg(['-rtsp_transport', 'tcp', '-i', rtspUrl(`live/${name}`), '-t', '2.5', '-c', 'copy', '-y', file]);
      assert.equal(play.code, 0, `${name}: ${play.stderr}`);
      const probe = await ffprobe(file);
      assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), codecs, name);
      assert.ok(Number(probe.format.duration) >= 2, `${name}: ${probe.format.duration} s`);
      assert.equal(await decodeErrors(file), '', name);
      assert.equal((await publish).code, 0);
    }),
  );
  await healthy.assertServing();
});

test('a player PAUSEs and PLAYs again, keeps its session with GET_PARAMETER and ends it with TEARDOWN; a silent session times out', async () => {
  const client = await TestRtspClient.open(server.rtspPort!);
  const url = rtspUrl('live/cam');
  assert.equal((await client.request('DESCRIBE', url)).status, 200);
  const setup = await client.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  assert.equal(setup.status, 200);
  const session = setup.headers.get('session')!.split(';')[0]!;
  assert.equal((await client.request('PLAY', url, { Session: session })).status, 200);
  await waitFor(() => client.interleaved > 20, 'media after PLAY');
  assert.equal((await client.request('PAUSE', url, { Session: session })).status, 200);
  assert.equal((await client.request('GET_PARAMETER', url, { Session: session })).status, 200);
  const paused = client.interleaved;
  assert.equal((await client.request('PLAY', url, { Session: session })).status, 200);
  await waitFor(() => client.interleaved > paused + 20, 'media after PLAY again');
  const teardowns = (): number => server.logs().filter((line) => line.msg === 'session end' && line.stream === 'live/cam' && line.reason === 'teardown').length;
  const before = teardowns();
  assert.equal((await client.request('TEARDOWN', url, { Session: session })).status, 200);
  await waitFor(() => teardowns() > before, 'the session ended by TEARDOWN');
  client.close();

  const quick = await startTestServer({ rtsp_server: { enabled: true, listen: '127.0.0.1:0', udp: false, session_timeout: 5 } });
  try {
    const silent = await TestRtspClient.open(quick.rtspPort!);
    const quiet = `rtsp://127.0.0.1:${quick.rtspPort}/live/quiet`;
    const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n';
    assert.equal((await silent.request('ANNOUNCE', quiet, { 'Content-Type': 'application/sdp' }, sdp)).status, 200);
    const quietSetup = await silent.request('SETUP', `${quiet}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
    assert.match(quietSetup.headers.get('session')!, /;timeout=5$/);
    await silent.closed;
    const end = await quick.waitForLog((line) => line.msg === 'session end' && line.stream === 'live/quiet');
    assert.match(String(end.reason), /session timed out after 5000 ms of silence/);
  } finally {
    await quick.close();
  }
  await healthy.assertServing();
});
