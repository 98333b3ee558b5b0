import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WhepReceiver } from '../../bench/webrtc/receiver.js';
import type { OfferIdentity } from '../../bench/webrtc/offer.js';
import { START_CODE, splitAnnexB } from '../../src/codecs/annexb.js';
import { h265Payload } from '../../src/protocols/rtp/h265.js';
import { NalDepacketizer, packetizeNalus } from '../../src/protocols/rtp/nal-units.js';
import { decodeRtp, encodeRtp } from '../../src/protocols/rtp/packet.js';
import { generateCertificate } from '../../src/protocols/webrtc/certificate.js';
import { silentLogger } from '../../src/util/logger.js';
import { ffprobe, runToEnd } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { waitFor } from '../support/wait.js';

// Chromium on Linux cannot encode H.265 for WebRTC: an ffmpeg (libx265) bitstream is published
// over WHIP by the bench's headless peer (ICE, DTLS client, SRTP), and played by another.
const PT = 49;
const FMTP = `a=fmtp:${PT} level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST`;

function h265Offer(direction: 'sendonly' | 'recvonly', ssrc: number) {
  return (id: OfferIdentity): string =>
    [
      'v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0',
      `m=video 9 UDP/TLS/RTP/SAVPF ${PT}`, 'c=IN IP4 0.0.0.0', `a=ice-ufrag:${id.ufrag}`, `a=ice-pwd:${id.pwd}`,
      `a=fingerprint:sha-256 ${id.fingerprint}`, 'a=setup:actpass', 'a=mid:0', `a=${direction}`, 'a=rtcp-mux', 'a=rtcp-rsize',
      `a=rtpmap:${PT} H265/90000`, `a=rtcp-fb:${PT} nack`, `a=rtcp-fb:${PT} nack pli`, FMTP,
      ...(direction === 'sendonly' ? [`a=ssrc:${ssrc} cname:headless`] : []), '',
    ].join('\r\n');
}

/** The access units of an Annex B H.265 stream written with access unit delimiters. */
function accessUnits(annexB: Buffer): Buffer[][] {
  const units: Buffer[][] = [];
  for (const nal of splitAnnexB(annexB)) {
    if (((nal[0]! >> 1) & 0x3f) === 35) units.push([]);
    else units[units.length - 1]?.push(nal);
  }
  return units.filter((unit) => unit.length > 0);
}

/** The H.265 RTP a WHEP receiver got: more than `pictures` pictures, from VPS/SPS/PPS on, that ffmpeg decodes clean. */
async function assertDecodes(received: Buffer[], dir: string, pictures: number): Promise<void> {
  const depacketizer = new NalDepacketizer(h265Payload);
  const played = received.map(decodeRtp).filter((packet) => packet.payloadType === PT).flatMap((packet) => depacketizer.push(packet, false));
  assert.ok(played.length > pictures, `${played.length} pictures played over WHEP`);
  assert.deepEqual(played[0]!.nalus.slice(0, 3).map((nal) => (nal[0]! >> 1) & 0x3f), [32, 33, 34], 'the player starts with VPS, SPS, PPS');
  const file = join(dir, 'played.265');
  await writeFile(file, Buffer.concat(played.flatMap((unit) => unit.nalus.flatMap((nal) => [START_CODE, nal]))));
  const decoded = await runToEnd('ffmpeg', ['-v', 'error', '-f', 'hevc', '-i', file, '-f', 'null', '-']);
  assert.equal(decoded.code, 0, decoded.stderr);
  assert.equal(decoded.stderr.trim(), '', 'the pictures decode clean');
}

test('H.265 published over WHIP plays over WHEP (decoded clean by ffmpeg) and over HLS', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-h265-'));
  const hls = { enabled: true, hls_path: dir, hls_fragment: 1, hls_window: 6 };
  const server = await startTestServer({
    rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
    vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true }, hls } },
  });
  const source = join(dir, 'source.265');
  const encoded = await runToEnd('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '6', '-c:v', 'libx265', '-preset', 'ultrafast',
    '-x265-params', 'log-level=error:aud=1:bframes=0:keyint=25', '-f', 'hevc', source]);
  assert.equal(encoded.code, 0, encoded.stderr);
  const units = accessUnits(await readFile(source));
  const certificate = generateCertificate();
  const ssrc = randomInt(1, 0xffffffff);
  const base = `http://127.0.0.1:${server.apiPort}/rtc/v1`;
  const publisher = new WhepReceiver({ url: `${base}/whip/?app=live&stream=hevc&codec=hevc`, certificate, log: silentLogger(), offer: h265Offer('sendonly', ssrc) });
  const received: Buffer[] = [];
  const player = new WhepReceiver({ url: `${base}/whep/?app=live&stream=hevc`, certificate, log: silentLogger(), offer: h265Offer('recvonly', 0), onRtp: (packet) => received.push(packet) });
  try {
    await publisher.start();
    await waitFor(() => publisher.state === 'media' || publisher.state === 'failed', 'the publisher connected', 15_000);
    assert.equal(publisher.state, 'media', publisher.error);
    let sequence = randomInt(0, 0x10000);
    for (const [i, unit] of units.entries()) {
      for (const { payload, marker } of packetizeNalus(h265Payload, unit, 1200)) {
        publisher.sendRtp(encodeRtp({ payloadType: PT, marker, sequence, timestamp: i * 3600, ssrc, payload }));
        sequence = (sequence + 1) & 0xffff;
      }
      if (i === 10) await player.start();
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    assert.equal(player.state, 'media', player.error);

    await assertDecodes(received, dir, 60);

    const probe = await ffprobe(server.httpUrl('live/hevc.m3u8'));
    assert.deepEqual(probe.streams.map((stream) => [stream.codec_name, stream.width, stream.height]), [['hevc', 320, 240]]);
  } finally {
    await player.stop();
    await publisher.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an H.265 RTSP publish (ffmpeg, libx265) plays over WHEP in H.265 to a player that offers it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-h265-'));
  const server = await startTestServer({
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0 },
    rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
    vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true } } },
  });
  const publishing = runToEnd('ffmpeg', ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-t', '8', '-c:v', 'libx265', '-preset', 'ultrafast',
    '-x265-params', 'log-level=error:bframes=0:keyint=25', '-f', 'rtsp', '-rtsp_transport', 'tcp', `rtsp://127.0.0.1:${server.rtspPort}/live/cam`]);
  const received: Buffer[] = [];
  const player = new WhepReceiver({ url: `http://127.0.0.1:${server.apiPort}/rtc/v1/whep/?app=live&stream=cam`, certificate: generateCertificate(), log: silentLogger(), offer: h265Offer('recvonly', 0), onRtp: (packet) => received.push(packet) });
  try {
    await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'rtsp', 15_000);
    await player.start();
    await waitFor(() => received.length > 150 || player.state === 'failed', 'H.265 over WHEP', 20_000);
    assert.equal(player.state, 'media', player.error);
    await assertDecodes(received, dir, 25);
  } finally {
    await player.stop();
    await publishing;
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
