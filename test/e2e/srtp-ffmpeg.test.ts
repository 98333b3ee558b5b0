import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../support/wait.js';
import { promisify } from 'node:util';
import { decodeRtp } from '../../src/protocols/rtp/packet.js';
import { depacketizeOpus, packetizeOpus, type OpusFrame } from '../../src/protocols/rtp/opus.js';
import { parseRtcp } from '../../src/protocols/rtp/rtcp-parse.js';
import { SrtpSession } from '../../src/protocols/webrtc/srtp/session.js';

const run = promisify(execFile);

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve(socket));
  });
}

/** Two UDP sockets on consecutive ports (RTP, RTCP), as ffmpeg's RTP muxer expects. */
async function socketPair(): Promise<[Socket, Socket]> {
  for (;;) {
    const rtp = await bind(0);
    try {
      return [rtp, await bind(rtp.address().port + 1)];
    } catch {
      rtp.close();
    }
  }
}

const SECONDS = 2;

/** Opus packets ffmpeg sent over SRTP with this master key and salt, and what came on the RTCP port. */
async function ffmpegSrtp(master: Buffer): Promise<{ rtp: Buffer[]; rtcp: Buffer[] }> {
  const [rtpSocket, rtcpSocket] = await socketPair();
  const rtp: Buffer[] = [];
  const rtcp: Buffer[] = [];
  rtpSocket.on('message', (m) => rtp.push(m));
  rtcpSocket.on('message', (m) => rtcp.push(m));
  try {
    await run('ffmpeg', [
      '-hide_banner', '-loglevel', 'error',
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`,
      '-c:a', 'libopus', '-b:a', '32k', '-f', 'rtp',
      '-srtp_out_suite', 'AES_CM_128_HMAC_SHA1_80', '-srtp_out_params', master.toString('base64'),
      `srtp://127.0.0.1:${rtpSocket.address().port}?pkt_size=1200`,
    ]);
    await waitFor(() => rtcp.length > 0 && rtp.length >= (SECONDS * 50 * 9) / 10, 'SRTP and SRTCP datagrams');
    return { rtp, rtcp };
  } finally {
    rtpSocket.close();
    rtcpSocket.close();
  }
}

test("ffmpeg's SRTP (AES_CM_128_HMAC_SHA1_80) unprotects here: Opus RTP and SRTCP sender reports", async () => {
  const master = randomBytes(30);
  const { rtp, rtcp } = await ffmpegSrtp(master);
  {
    const session = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { key: master.subarray(0, 16), salt: master.subarray(16) });
    const frames = rtp.map((datagram) => depacketizeOpus(decodeRtp(session.unprotectRtp(datagram))));
    assert.ok(frames.length >= (SECONDS * 50 * 9) / 10, `${frames.length} Opus packets`);
    assert.ok(frames.every((f) => f.samples === 960));
    const reports = rtcp.flatMap((datagram) => parseRtcp(session.unprotectRtcp(datagram)));
    assert.ok(reports.some((r) => r.type === 'sr'), JSON.stringify(reports));
  }
});

test('ffmpeg decodes the SRTP we protect (SDP a=crypto): a sine, not silence', async () => {
  const theirs = randomBytes(30);
  const { rtp } = await ffmpegSrtp(theirs);
  const inbound = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { key: theirs.subarray(0, 16), salt: theirs.subarray(16) });
  const frames: OpusFrame[] = rtp.map((datagram) => depacketizeOpus(decodeRtp(inbound.unprotectRtp(datagram))));
  const ours = randomBytes(30);
  const outbound = new SrtpSession('AES_CM_128_HMAC_SHA1_80', { key: ours.subarray(0, 16), salt: ours.subarray(16) });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-srtp-'));
  const sdp = join(dir, 'in.sdp');
  writeFileSync(sdp, ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/SAVP 111`, 'a=rtpmap:111 opus/48000/2', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${ours.toString('base64')}`, ''].join('\n'));
  const decoder = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-protocol_whitelist', 'file,udp,rtp,srtp',
    '-i', sdp, '-frames:a', '40', '-f', 's16le', '-ac', '1', 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pcm: Buffer[] = [];
  decoder.stdout.on('data', (d: Buffer) => pcm.push(d));
  const exited = new Promise<number | null>((resolve) => decoder.on('close', resolve));
  const sender = createSocket('udp4');
  let sequence = 1000;
  let timestamp = 0;
  let running = true;
  void exited.then(() => (running = false));
  try {
    // ffmpeg binds its port when it has read the SDP: keep sending (in real time) until it has decoded enough.
    for (let i = 0; running && i < 500; i++) {
      const frame = frames[i % frames.length]!;
      const packet = packetizeOpus(frame.data, { payloadType: 111, marker: i === 0, sequence: sequence++ & 0xffff, timestamp, ssrc: 0x5107 });
      timestamp += frame.samples;
      sender.send(outbound.protectRtp(packet), port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await exited, 0);
  } finally {
    sender.close();
    decoder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  const samples = Buffer.concat(pcm);
  assert.ok(samples.length >= 20 * 960 * 2, `${samples.length} bytes of PCM`);
  let energy = 0;
  for (let i = 0; i + 1 < samples.length; i += 2) energy += Math.abs(samples.readInt16LE(i));
  assert.ok(energy / (samples.length / 2) > 1000, 'decoded audio carries the sine');
});
