import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HandshakeType, REJECTION_BASE } from '../../src/protocols/srt/handshake.js';
import { encodeShutdown } from '../../src/protocols/srt/control.js';
import { Position, encodeData } from '../../src/protocols/srt/packet.js';
import { RejectReason } from '../../src/protocols/srt/reject.js';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, runToEnd as run, type RunningProcess } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { LossyProxy } from '../support/lossy-proxy.js';
import { TestSrtCaller } from '../support/srt-caller.js';
import { waitForAsync } from '../support/wait.js';

let server: TestServer;
let publisher: RunningProcess;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    play_secret: { enabled: true, secret: 'letmein', apps: ['locked'] },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-srt-'));
  publisher = publishTestPattern(server.rtmpUrl('live/cam'), 60, { size: '320x240' });
  await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await publisher.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const srtUrl = (streamId: string): string => `srt://127.0.0.1:${server.srtPort}?streamid=${streamId}`;

test('ffmpeg and srt-live-transmit play an RTMP-published stream over SRT at the same time', async () => {
  const ffmpegFile = join(dir, 'ffmpeg.ts');
  const sltFile = join(dir, 'slt.ts');
  const [ffmpeg, slt] = await Promise.all([
    run('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl('#!::r=live/cam,m=request'), '-t', '4', '-c', 'copy', '-f', 'mpegts', ffmpegFile]),
    // srt-live-transmit copies until its exit timer (-t, seconds); a plain stream id plays.
    run('srt-live-transmit', ['-t:5', '-q', srtUrl('live/cam'), 'file://con'], sltFile),
  ]);
  assert.equal(ffmpeg.code, 0, ffmpeg.stderr);
  const probe = await ffprobe(ffmpegFile);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  assert.equal(video?.codec_name, 'h264');
  assert.equal(video?.width, 320);
  assert.equal(audio?.codec_name, 'aac');
  assert.ok(Number(probe.format.duration) >= 3.5, `duration ${probe.format.duration}`);
  assert.equal(await decodeErrors(ffmpegFile), '');
  assert.equal(slt.code, 0, `srt-live-transmit: ${slt.stderr}`);
  const sltProbe = await ffprobe(sltFile);
  assert.deepEqual(sltProbe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
  assert.ok(Number(sltProbe.format.duration) >= 2.5, `srt-live-transmit got ${sltProbe.format.duration} s`);
  assert.equal(await decodeErrors(sltFile), '');
  const ends = server.logs().filter((line) => line.msg === 'session end' && line.protocol === 'srt');
  assert.ok(ends.length >= 1);
  assert.ok(ends.every((line) => typeof line.rtt_ms === 'number' && typeof line.pkt_retrans === 'number'));
  await healthy.assertServing();
});

test('a play the gate refuses is rejected at the handshake with SRT_REJX_FORBIDDEN; one it admits completes', async () => {
  const refused = await TestSrtCaller.open(server.srtPort!);
  const answer = await refused.connect('#!::r=locked/cam,m=request');
  refused.close();
  assert.equal(answer?.type, REJECTION_BASE + RejectReason.Forbidden);
  await server.waitForLog((line) => line.msg === 'srt play refused' && line.stream === 'locked/cam');

  // The secret from the stream id reaches the gate as the query (SRS passes it to hooks the same way).
  const admitted = await TestSrtCaller.open(server.srtPort!);
  const accepted = await admitted.connect('#!::r=locked/cam,secret=letmein,m=request');
  assert.equal(accepted?.type, HandshakeType.Conclusion);
  assert.ok(accepted.socketId > 0);
  admitted.close(accepted.socketId);
  await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'srt' && line.stream === 'locked/cam');

  // ffmpeg is told too, and gives up at once.
  const ffmpeg = await run('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl('#!::r=locked/cam,m=request'), '-t', '1', '-f', 'null', '-']);
  assert.notEqual(ffmpeg.code, 0);
  assert.match(ffmpeg.stderr, /reject/i);
});

test('ffmpeg publishes over SRT (MPEG-TS); RTMP and HTTP-FLV players get clean H.264 and AAC; the API lists an srt-publish client', async () => {
  const srtPublisher = publishTestPattern(`${srtUrl('#!::r=live/srtcam,m=publish')}&latency=200000`, 12, { container: 'mpegts' });
  try {
    await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'srt' && line.stream === 'live/srtcam', 15_000);
    const rtmpFile = join(dir, 'srt-rtmp.flv');
    const flvFile = join(dir, 'srt-http.flv');
    const [rtmp, flv] = await Promise.all([
      playToFile(server.rtmpUrl('live/srtcam'), 4, rtmpFile).exited,
      playToFile(server.httpUrl('live/srtcam.flv'), 4, flvFile).exited,
    ]);
    assert.equal(rtmp, 0);
    assert.equal(flv, 0);
    for (const file of [rtmpFile, flvFile]) {
      const probe = await ffprobe(file);
      assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
      assert.ok(Number(probe.format.duration) >= 3, `${file}: ${probe.format.duration} s`);
      assert.equal(await decodeErrors(file), '', file);
    }
    const clients = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/clients/?count=100`)).json()) as { clients: Array<{ type: string; url: string }> };
    assert.ok(clients.clients.some((c) => c.type === 'srt-publish' && c.url === '/live/srtcam'), JSON.stringify(clients.clients.map((c) => c.type)));
  } finally {
    await srtPublisher.stop();
  }
  await healthy.assertServing();
});

test('garbage, truncated and flooded handshakes get no state and harm nobody', async () => {
  const attacker = await TestSrtCaller.open(server.srtPort!);
  // Not SRT, a header alone, a truncated handshake, extensions running past the packet.
  attacker.send(Buffer.from('hello'));
  attacker.send(Buffer.alloc(16));
  attacker.send(attacker.handshake({}).subarray(0, 40));
  const broken = attacker.handshake({ version: 5, type: HandshakeType.Conclusion });
  attacker.send(Buffer.concat([broken, Buffer.from([0, 1, 0, 9])]));
  for (let i = 0; i < 200; i++) attacker.send(randomBytes(1 + (i % 120)));
  // A conclusion without a cookie we issued is not answered at all.
  attacker.send(attacker.handshake({ version: 5, type: HandshakeType.Conclusion, cookie: 12345 }));
  // A flood of inductions: each is answered with a cookie and nothing is kept.
  for (let i = 0; i < 2000; i++) attacker.send(attacker.handshake({}));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const answers = attacker.datagrams.length;
  attacker.close();
  assert.ok(answers <= 2000, `${answers} answers for 2000 inductions and no conclusion`);
  assert.equal(server.srtSessions(), 0);

  await healthy.assertServing();
  const file = join(dir, 'after-flood.ts');
  const ffmpeg = await run('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl('#!::r=live/cam,m=request'), '-t', '2', '-c', 'copy', '-f', 'mpegts', file]);
  assert.equal(ffmpeg.code, 0, ffmpeg.stderr);
  assert.ok(Number((await ffprobe(file)).format.duration) >= 1.5);
});

test('packets from an unknown peer, for no connection, or with absurd sequence numbers are dropped with a log line; the connection goes on', async () => {
  const caller = await TestSrtCaller.open(server.srtPort!);
  const answer = await caller.connect('#!::r=live/strays,m=publish');
  assert.equal(answer?.type, HandshakeType.Conclusion);
  const ours = answer.socketId;
  const data = (seq: number, destinationId = ours): Buffer =>
    encodeData({ seq, position: Position.Solo, inOrder: false, keyFlag: 0, retransmitted: false, messageNumber: 1, timestamp: 1000, destinationId, payload: Buffer.alloc(188, 0xff) });
  // In sequence (the conclusion's initial sequence number is 1000), then numbers no sender of this connection could use.
  caller.send(data(1000));
  for (const seq of [1000 + 2 ** 30, 1000 - 2 ** 29, 1000 + 20_000]) caller.send(data(seq));
  // Our connection's id from another socket, and ids we never gave.
  const intruder = await TestSrtCaller.open(server.srtPort!);
  for (let i = 0; i < 50; i++) intruder.send(data(1001 + i));
  intruder.send(data(1001, 0x1234567));
  const absurd = await server.waitForLog((line) => line.msg === 'srt packet dropped' && line.stream === 'live/strays');
  assert.match(String(absurd.what), /outside the receive window/);
  const stray = await server.waitForLog((line) => line.msg === 'srt packet from an unknown peer dropped' && line.stream === 'live/strays');
  assert.equal(stray.count, 1, 'one line for a burst');
  await server.waitForLog((line) => line.msg === 'srt packet for no connection dropped');
  // The connection is still up: ended by its own caller, its end line counts what was dropped.
  assert.ok(server.srtSessions() >= 1);
  caller.send(encodeShutdown(0, ours));
  const end = await server.waitForLog((line) => line.msg === 'session end' && line.stream === 'live/strays');
  caller.close();
  intruder.close();
  assert.equal(end.reason, 'peer shut down');
  assert.equal(end.pkt_rcv_out_of_window, 3);
  assert.equal(end.pkt_stray, 50);
  assert.equal(end.pkt_recv, 1);
  await healthy.assertServing();
});

interface SrsLink { rtt_ms: number; pkt_loss: number; pkt_retrans: number }
interface OwnLink { rttMs: number; packetsLost: number; packetsRetransmitted: number }

/** The live/lossy SRT publisher's and player's link figures, from SRS's clients and from Sluice's sessions. */
async function lossyLinks() {
  const api = `http://127.0.0.1:${server.apiPort}`;
  const srs = (await (await fetch(`${api}/api/v1/clients/?count=100`)).json()) as { clients: Array<{ type: string; url: string; srt?: SrsLink }> };
  const ownAnswer = (await (await fetch(`${api}/api/sluice/v1/sessions?protocol=srt`)).json()) as { sessions: Array<{ type: string; url: string; srt?: OwnLink }> };
  const none = { rtt_ms: 0, pkt_loss: 0, pkt_retrans: 0 };
  const ownNone = { rttMs: 0, packetsLost: 0, packetsRetransmitted: 0 };
  const srsOf = (type: string): SrsLink => srs.clients.find((c) => c.type === type && c.url === '/live/lossy')?.srt ?? none;
  const ownOf = (type: string): OwnLink => ownAnswer.sessions.find((c) => c.type === type && c.url === '/live/lossy')?.srt ?? ownNone;
  // Sessions of other protocols carry no SRT figures.
  assert.ok(srs.clients.filter((c) => !c.type.startsWith('srt-')).every((c) => c.srt === undefined));
  return {
    srs: { publisher: srsOf('srt-publish'), player: srsOf('srt-play') },
    own: { publisher: ownOf('srt-publish'), player: ownOf('srt-play') },
    ownAnswer,
  };
}

/** Validates a `GET /sessions` answer against the served OpenAPI document. */
async function assertMatchesOpenApi(answer: unknown): Promise<void> {
  const document = (await (await fetch(`http://127.0.0.1:${server.apiPort}/api/sluice/v1/openapi.json`)).json()) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(document, 'api');
  assert.ok(ajv.validate({ $ref: 'api#/components/schemas/SessionList' }, answer), ajv.errorsText());
}

test('over a lossy link (5 % dropped each way, 50 ms delay) with 300 ms latency, publish and play both decode clean', async () => {
  const inbound = await LossyProxy.open(server.srtPort!, { loss: 0.05, delayMs: 50, seed: 7 });
  const outbound = await LossyProxy.open(server.srtPort!, { loss: 0.05, delayMs: 50, seed: 11 });
  const via = (proxy: LossyProxy, streamId: string): string => `srt://127.0.0.1:${proxy.port}?streamid=${streamId}&latency=300000`;
  const srtPublisher = publishTestPattern(via(inbound, '#!::r=live/lossy,m=publish'), 14, { container: 'mpegts' });
  try {
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/lossy', 15_000);
    const file = join(dir, 'lossy.ts');
    const playing = run('ffmpeg', ['-hide_banner', '-y', '-i', via(outbound, '#!::r=live/lossy,m=request'), '-t', '5', '-c', 'copy', '-f', 'mpegts', file]);
    // While both are live, the APIs show their links: our publisher's losses, our player's resends.
    const links = await waitForAsync(async () => {
      const found = await lossyLinks();
      return found.srs.publisher.pkt_loss > 0 && found.srs.player.pkt_retrans > 0 && found.own.player.packetsRetransmitted > 0 && found;
    }, 'losses and resends in the APIs', 20_000);
    assert.ok(links.srs.publisher.rtt_ms >= 100 && links.own.publisher.rttMs >= 100, JSON.stringify(links));
    assert.ok(links.own.publisher.packetsLost > 0, JSON.stringify(links));
    const player = await playing;
    assert.equal(player.code, 0, player.stderr);
    // Compiling the API's schema blocks this process, which is also the server, for a while: not
    // while the player still needs resends.
    await assertMatchesOpenApi(links.ownAnswer);
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.ok(Number(probe.format.duration) >= 4, `${probe.format.duration} s`);
    assert.equal(await decodeErrors(file), '');
  } finally {
    await srtPublisher.stop();
    inbound.close();
    outbound.close();
  }
  assert.ok(inbound.dropped > 0 && outbound.dropped > 0);
  // Losses happened both ways and were repaired in time: NAKed by us, resent by us.
  const lossy = (line: Record<string, unknown>): boolean => line.msg === 'session end' && line.protocol === 'srt' && line.stream === 'live/lossy';
  const published = await server.waitForLog((line) => lossy(line) && Number(line.pkt_recv) > 0);
  assert.ok(Number(published.pkt_loss) > 0, JSON.stringify(published));
  const played = server.logs().find((line) => lossy(line) && Number(line.pkt_sent) > 0);
  assert.ok(played && Number(played.pkt_retrans) > 0, JSON.stringify(played));
  await healthy.assertServing();
});
