import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAuthorization } from '../../../src/protocols/rtsp/auth.js';
import { RtspReader, encodeResponse } from '../../../src/protocols/rtsp/message.js';
import { parseSdp } from '../../../src/protocols/rtsp/sdp.js';
import { formatTransport, parseTransport } from '../../../src/protocols/rtsp/transport.js';
import { decodeRtp } from '../../../src/protocols/rtp/packet.js';
import { decodeSenderReports } from '../../../src/protocols/rtp/rtcp.js';
import { NalDepacketizer } from '../../../src/protocols/rtp/nal-units.js';
import { h264Payload } from '../../../src/protocols/rtp/h264.js';
import { h265Payload } from '../../../src/protocols/rtp/h265.js';
import { AacDepacketizer } from '../../../src/protocols/rtp/aac.js';
import { ProtocolError } from '../../../src/util/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';

test('RtspReader splits requests and interleaved frames, whatever the chunking', () => {
  const bytes = Buffer.concat([
    Buffer.from('OPTIONS rtsp://h/live/a RTSP/1.0\r\nCSeq: 1\r\n\r\n'),
    Buffer.from([0x24, 2, 0, 3, 7, 8, 9]),
    Buffer.from('ANNOUNCE rtsp://h/live/a RTSP/1.0\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n'),
  ]);
  for (const size of [1, 5, bytes.length]) {
    const reader = new RtspReader();
    const items = [];
    for (let at = 0; at < bytes.length; at += size) items.push(...reader.push(bytes.subarray(at, at + size)));
    assert.equal(items.length, 3);
    assert.equal(items[0]!.kind === 'request' && items[0]!.request.headers.get('cseq'), '1');
    assert.deepEqual(items[1], { kind: 'interleaved', channel: 2, data: Buffer.from([7, 8, 9]) });
    assert.equal(items[2]!.kind === 'request' && items[2]!.request.body.toString(), 'v=0\n');
  }
});

test('RtspReader refuses garbage, oversized headers and bodies', () => {
  assert.throws(() => new RtspReader().push(Buffer.from('\x16\x03\x01 hello\r\n\r\n')), ProtocolError);
  assert.throws(() => new RtspReader().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), ProtocolError);
  const limits = { maxHeaderBytes: 100, maxBodyBytes: 10 };
  assert.throws(() => new RtspReader(limits).push(Buffer.from(`OPTIONS * RTSP/1.0\r\nX: ${'a'.repeat(200)}`)), ProtocolError);
  assert.throws(() => new RtspReader(limits).push(Buffer.from('ANNOUNCE * RTSP/1.0\r\nContent-Length: 11\r\n\r\n')), ProtocolError);
  assert.throws(() => new RtspReader(limits).push(Buffer.from('ANNOUNCE * RTSP/1.0\r\nContent-Length: -1\r\n\r\n')), ProtocolError);
});

test('responses carry their headers and Content-Length', () => {
  assert.equal(encodeResponse(200, [['CSeq', '3']], 'v=0\r\n').toString(), 'RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Length: 5\r\n\r\nv=0\r\n');
  assert.equal(encodeResponse(454, [['CSeq', '4']]).toString(), 'RTSP/1.0 454 Session Not Found\r\nCSeq: 4\r\n\r\n');
});

test('SDP media sections as ffmpeg announces them', () => {
  const media = parseSdp(
    'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nt=0 0\r\na=tool:libavformat\r\n' +
      'm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHtkA,aMuDyyA=; profile-level-id=42C01E\r\na=control:streamid=0\r\n' +
      'm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/44100/1\r\na=fmtp:97 profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3; config=1208\r\na=control:streamid=1\r\n' +
      'm=audio 0 RTP/AVP 8\r\na=control:streamid=2\r\n',
  );
  assert.equal(media.length, 3);
  assert.equal(media[0]!.encoding, 'H264');
  assert.equal(media[0]!.fmtp.get('sprop-parameter-sets'), 'Z0LAHtkA,aMuDyyA=');
  assert.equal(media[1]!.clockRate, 44100);
  assert.equal(media[1]!.channels, 1);
  assert.equal(media[1]!.fmtp.get('config'), '1208');
  assert.equal(media[1]!.control, 'streamid=1');
  assert.deepEqual([media[2]!.encoding, media[2]!.clockRate], ['PCMA', 8000]);
});

test('Transport headers: interleaved and UDP unicast; multicast is skipped', () => {
  assert.deepEqual(parseTransport('RTP/AVP/TCP;unicast;interleaved=2-3;mode=record'), { protocol: 'tcp', channels: [2, 3], record: true });
  assert.deepEqual(parseTransport('RTP/AVP;multicast,RTP/AVP;unicast;client_port=5000-5001'), { protocol: 'udp', clientPorts: [5000, 5001], record: false });
  assert.equal(parseTransport('RTP/AVP;unicast;client_port=0-1'), undefined);
  assert.equal(parseTransport('RAW/RAW/UDP;unicast'), undefined);
  assert.equal(formatTransport({ protocol: 'udp', clientPorts: [5000, 5001], record: false }, [8000, 8001]), 'RTP/AVP;unicast;client_port=5000-5001;server_port=8000-8001');
});

test('Authorization: Basic gives user and password, Digest the user and the fields that check its response', () => {
  assert.deepEqual(parseAuthorization(`Basic ${Buffer.from('cam:se:cret').toString('base64')}`), { scheme: 'basic', user: 'cam', password: 'se:cret' });
  assert.deepEqual(parseAuthorization('Digest username="cam", realm="x", nonce="1", uri="rtsp://h/a,b", response="2"'), {
    scheme: 'digest',
    user: 'cam',
    digest: { realm: 'x', nonce: '1', uri: 'rtsp://h/a,b', response: '2' },
  });
  assert.deepEqual(parseAuthorization('Digest username="cam",qop=auth,nc=00000001,cnonce="c",response="r",opaque="o"')?.digest, { response: 'r', qop: 'auth', nc: '00000001', cnonce: 'c' });
  assert.equal(parseAuthorization('Digest realm="x"'), undefined);
  assert.equal(parseAuthorization('Bearer abc'), undefined);
});

/** Every input either parses or is refused with ProtocolError; nothing else escapes. */
function parsesOrRefuses(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

test('fuzz: RTSP reader, RTP/RTCP and depacketizers take any bytes', () => {
  const chunks = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 });
  fc.assert(
    fc.property(chunks, (parts) => {
      const reader = new RtspReader({ maxHeaderBytes: 512, maxBodyBytes: 512 });
      parsesOrRefuses(() => {
        for (const part of parts) reader.push(Buffer.from(part));
      });
      const nal = new NalDepacketizer(h264Payload);
      const hevc = new NalDepacketizer(h265Payload);
      const aac = new AacDepacketizer();
      for (const [i, part] of parts.entries()) {
        const bytes = Buffer.from(part);
        parsesOrRefuses(() => decodeRtp(bytes));
        parsesOrRefuses(() => decodeSenderReports(bytes));
        const packet = { payloadType: 96, marker: i % 2 === 1, sequence: i, timestamp: i >> 1, ssrc: 1, payload: bytes };
        parsesOrRefuses(() => nal.push(packet, false));
        parsesOrRefuses(() => hevc.push(packet, false));
        parsesOrRefuses(() => aac.push(packet, i % 3 === 0));
      }
      parsesOrRefuses(() => parseSdp(Buffer.concat(parts.map((part) => Buffer.from(part))).toString('latin1')));
      parseTransport(Buffer.from(parts[0] ?? []).toString('latin1'));
    }),
    fuzzRuns(2000),
  );
});
