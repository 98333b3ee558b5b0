import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExtensionType } from '../../src/protocols/srt/extensions.js';
import { HandshakeType, REJECTION_BASE, decodeHandshake } from '../../src/protocols/srt/handshake.js';
import { decodePacket } from '../../src/protocols/srt/packet.js';
import { RejectReason } from '../../src/protocols/srt/reject.js';
import { decodeErrors, ffprobe, publishTestPattern, runToEnd } from '../support/ffmpeg.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestSrtCaller } from '../support/srt-caller.js';

const PASSPHRASE = 'sluice-srt-secret';
const STREAM_PASSPHRASE = 'own-stream-secret';
let server: TestServer;
let clear: TestServer;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    srt_server: {
      enabled: true,
      listen: '127.0.0.1:0',
      passphrase: PASSPHRASE,
      pbkeylen: 24,
      streams: { 'live/own': { passphrase: STREAM_PASSPHRASE }, 'live/open': { passphrase: '' } },
    },
  });
  clear = await startTestServer({ srt_server: { enabled: true, listen: '127.0.0.1:0' } });
  dir = await mkdtemp(join(tmpdir(), 'sluice-srt-enc-'));
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await server.close();
  await clear.close();
  await rm(dir, { recursive: true, force: true });
});

const srtUrl = (target: TestServer, streamId: string, options = ''): string => `srt://127.0.0.1:${target.srtPort}?streamid=${streamId}${options}`;

/** libsrt 1.5.1's KMREQ from a real capture, made with the passphrase `0123456789abc`. */
function capturedKmreq(): { type: number; content: Buffer } {
  const capture = JSON.parse(readFileSync(new URL('../fixtures/srt-encrypted-libsrt-1.5.1.json', import.meta.url), 'utf8')) as { conclusion: string };
  const packet = decodePacket(Buffer.from(capture.conclusion, 'hex'));
  assert.ok(packet.kind === 'control');
  const kmreq = decodeHandshake(packet.body).extensions.find((ext) => ext.type === ExtensionType.KmReq);
  assert.ok(kmreq);
  return kmreq;
}

const rejections = (target: TestServer, code: number) =>
  target.logs().filter((line) => line.msg === 'srt handshake rejected' && line.code === code);

for (const pbkeylen of [16, 24, 32]) {
  test(`AES-${pbkeylen * 8}: ffmpeg publishes encrypted; ffmpeg and srt-live-transmit play it with the passphrase, clean`, async () => {
    const stream = `live/enc${pbkeylen}`;
    // The key refresh (every 500 packets) makes Sluice take the publisher's odd key, then its even one again.
    const keyed = `&passphrase=${PASSPHRASE}&pbkeylen=${pbkeylen}`;
    const publisher = publishTestPattern(`${srtUrl(server, `#!::r=${stream},m=publish`, keyed)}&kmrefreshrate=500&kmpreannounce=100`, 12, {
      container: 'mpegts',
      size: '640x360',
    });
    try {
      await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'srt' && line.stream === stream, 15_000);
      const ffmpegFile = join(dir, `ffmpeg-${pbkeylen}.ts`);
      const sltFile = join(dir, `slt-${pbkeylen}.ts`);
      const [ffmpeg, slt] = await Promise.all([
        runToEnd('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl(server, `#!::r=${stream},m=request`, keyed), '-t', '4', '-c', 'copy', '-f', 'mpegts', ffmpegFile]),
        runToEnd('srt-live-transmit', ['-t:5', '-q', srtUrl(server, stream, `&passphrase=${PASSPHRASE}`), 'file://con'], sltFile),
      ]);
      assert.equal(ffmpeg.code, 0, ffmpeg.stderr);
      assert.equal(slt.code, 0, slt.stderr);
      for (const file of [ffmpegFile, sltFile]) {
        const probe = await ffprobe(file);
        assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
        assert.ok(Number(probe.format.duration) >= 2.5, `${file}: ${probe.format.duration} s`);
        // srt-live-transmit is stopped by its timer, likely mid-frame: its last frame is left out.
        assert.equal(await decodeErrors(file, file === sltFile ? 2.5 : undefined), '', file);
      }
    } finally {
      await publisher.stop();
    }
    const end = await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'srt' && line.stream === stream && line.pkt_recv !== 0);
    assert.equal(end.pkt_undecrypt, 0);
    assert.ok(Number(end.km_refresh) >= 2, `${end.km_refresh} key refreshes over ${end.pkt_recv} packets`);
    await healthy.assertServing();
  });
}

test('another passphrase is refused with SRT_REJ_BADSECRET, before the gate; the right one is admitted', async () => {
  const wrong = await runToEnd('ffmpeg', ['-hide_banner', '-i', srtUrl(server, '#!::r=live/healthy,m=request', '&passphrase=not-the-passphrase'), '-t', '1', '-f', 'null', '-']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /reject/i);
  await server.waitForLog((line) => line.msg === 'srt handshake rejected' && line.code === RejectReason.BadSecret);

  // The exact code, from a caller carrying libsrt's own KMREQ (made under another passphrase).
  const caller = await TestSrtCaller.open(server.srtPort!);
  const answer = await caller.connect('#!::r=live/healthy,m=request', [capturedKmreq()]);
  caller.close();
  assert.equal(answer?.type, REJECTION_BASE + RejectReason.BadSecret);
  assert.ok(!server.logs().some((line) => line.msg === 'play start' && line.protocol === 'srt' && line.stream === 'live/healthy'));
  await healthy.assertServing();
});

test('encryption on one side only is refused with SRT_REJ_UNSECURE, both ways, and logged', async () => {
  // A clear caller against a server with a passphrase.
  const unsecured = await TestSrtCaller.open(server.srtPort!);
  const refused = await unsecured.connect('#!::r=live/healthy,m=request');
  unsecured.close();
  assert.equal(refused?.type, REJECTION_BASE + RejectReason.Unsecure);
  const ffmpeg = await runToEnd('ffmpeg', ['-hide_banner', '-i', srtUrl(server, '#!::r=live/healthy,m=request'), '-t', '1', '-f', 'null', '-']);
  assert.notEqual(ffmpeg.code, 0);
  assert.ok(rejections(server, RejectReason.Unsecure).some((line) => /does not encrypt/.test(String(line.reason))));

  // An encrypting caller against a server without one.
  const encrypting = await TestSrtCaller.open(clear.srtPort!);
  const answer = await encrypting.connect('#!::r=live/cam,m=publish', [capturedKmreq()]);
  encrypting.close();
  assert.equal(answer?.type, REJECTION_BASE + RejectReason.Unsecure);
  const publisher = await runToEnd('ffmpeg', [
    '-hide_banner', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '1', '-c:v', 'libx264', '-f', 'mpegts',
    srtUrl(clear, '#!::r=live/cam,m=publish', `&passphrase=${PASSPHRASE}`),
  ]);
  assert.notEqual(publisher.code, 0);
  assert.ok(rejections(clear, RejectReason.Unsecure).some((line) => /the caller encrypts/.test(String(line.reason))));
  await healthy.assertServing();
});

test('a stream with its own passphrase: its callers need that one, others are refused with SRT_REJ_BADSECRET; a stream set clear needs none', async () => {
  const own = publishTestPattern(srtUrl(server, '#!::r=live/own,m=publish', `&passphrase=${STREAM_PASSPHRASE}&pbkeylen=32`), 8, { container: 'mpegts' });
  const open = publishTestPattern(srtUrl(server, '#!::r=live/open,m=publish'), 8, { container: 'mpegts' });
  try {
    for (const stream of ['live/own', 'live/open']) {
      await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'srt' && line.stream === stream, 15_000);
    }
    const ownFile = join(dir, 'own.ts');
    const openFile = join(dir, 'open.ts');
    const [ownPlay, openPlay, serverKey, healthyPlay] = await Promise.all([
      runToEnd('srt-live-transmit', ['-t:4', '-q', srtUrl(server, 'live/own', `&passphrase=${STREAM_PASSPHRASE}`), 'file://con'], ownFile),
      runToEnd('ffmpeg', ['-hide_banner', '-y', '-i', srtUrl(server, '#!::r=live/open,m=request'), '-t', '2', '-c', 'copy', '-f', 'mpegts', openFile]),
      // The server's passphrase does not open a stream that has its own.
      runToEnd('ffmpeg', ['-hide_banner', '-i', srtUrl(server, '#!::r=live/own,m=request', `&passphrase=${PASSPHRASE}`), '-t', '1', '-f', 'null', '-']),
      // Other streams keep the server's passphrase.
      runToEnd('ffmpeg', ['-hide_banner', '-i', srtUrl(server, '#!::r=live/healthy,m=request', `&passphrase=${PASSPHRASE}`), '-t', '1', '-f', 'null', '-']),
    ]);
    assert.equal(ownPlay.code, 0, ownPlay.stderr);
    assert.equal(openPlay.code, 0, openPlay.stderr);
    assert.notEqual(serverKey.code, 0);
    assert.match(serverKey.stderr, /reject/i);
    assert.equal(healthyPlay.code, 0, healthyPlay.stderr);
    for (const file of [ownFile, openFile]) {
      assert.deepEqual((await ffprobe(file)).streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
      assert.equal(await decodeErrors(file, 1.5), '', file);
    }
    assert.ok(rejections(server, RejectReason.BadSecret).some((line) => /live\/own/.test(String(line.reason))));
    // A clear caller of the encrypted stream is refused as unsecure.
    const clearCaller = await TestSrtCaller.open(server.srtPort!);
    const refused = await clearCaller.connect('#!::r=live/own,m=request');
    clearCaller.close();
    assert.equal(refused?.type, REJECTION_BASE + RejectReason.Unsecure);
  } finally {
    await Promise.all([own.stop(), open.stop()]);
  }
  await healthy.assertServing();
});

test('a caller with the passphrase completes the handshake with our KMRSP', async () => {
  const other = await startTestServer({ srt_server: { enabled: true, listen: '127.0.0.1:0', passphrase: '0123456789abc' } });
  try {
    const caller = await TestSrtCaller.open(other.srtPort!);
    const kmreq = capturedKmreq();
    const answer = await caller.connect('#!::r=live/any,m=request', [kmreq]);
    assert.equal(answer?.type, HandshakeType.Conclusion);
    assert.deepEqual(answer.extensions.find((ext) => ext.type === ExtensionType.KmRsp)?.content, kmreq.content);
    caller.close(answer.socketId);
  } finally {
    await other.close();
  }
});
