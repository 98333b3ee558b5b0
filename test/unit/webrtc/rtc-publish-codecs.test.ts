import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MediaFrame } from '../../../src/media/frame.js';
import { encodeRtp } from '../../../src/protocols/rtp/packet.js';
import { packetizeVp9 } from '../../../src/protocols/rtp/vp9.js';
import { generateCertificate } from '../../../src/protocols/webrtc/certificate.js';
import { RtcLinkCounters } from '../../../src/servers/webrtc/rtc-link.js';
import { RtcPublisher } from '../../../src/servers/webrtc/rtc-publish.js';
import { RtcTransport } from '../../../src/servers/webrtc/rtc-transport.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Slab } from '../../../src/util/slab.js';
import { capturingLogger } from '../../support/log-capture.js';
import { vp9Frames } from './codec-fixtures.js';

test('a WHIP publisher sending malformed VP9 payloads: dropped, counted as damage, logged once, and the stream goes on', () => {
  const certificate = generateCertificate();
  const transport = new RtcTransport({
    localUfrag: 'srv', localPwd: 'pwd', remoteUfrag: 'peer', certificate,
    remoteFingerprint: { algorithm: 'sha-256', value: certificate.fingerprint },
    send: (datagram, _to, sent) => sent(datagram.length), pacer: { add: (sender, packet, rtcp) => sender.flush(packet, rtcp) }, slab: new Slab(), log: silentLogger(),
    onConnected: () => undefined, onRtp: () => undefined, onRtcp: () => undefined, onClose: () => undefined,
  });
  const { logger, lines } = capturingLogger();
  const frames: MediaFrame[] = [];
  const publisher = new RtcPublisher({ video: { codec: 'VP9', payloadType: 98, ssrc: 7 }, remb: false }, transport, new RtcLinkCounters(), {
    pliIntervalS: 10, nack: true, onFrame: (frame) => frames.push(frame), onOpus: () => undefined,
  }, logger);
  let sequence = 0;
  const send = (payload: Buffer, timestamp: number, marker: boolean): void => publisher.rtp(encodeRtp({ payloadType: 98, marker, sequence: sequence++, timestamp, ssrc: 7, payload }));
  for (const [i, payload] of [Buffer.from([0xc0, 0x92]), Buffer.from([0x02, 0x18, 0x01]), Buffer.alloc(0)].entries()) send(payload, i * 9000, true);
  assert.equal(publisher.damage, 3, 'two descriptors that overrun, and a payload without one');
  const [key, inter] = vp9Frames();
  for (const [i, frame] of [key!, inter!].entries()) {
    for (const { payload, marker } of packetizeVp9(frame, { keyframe: i === 0, pictureId: i }, 1200)) send(payload, (3 + i) * 9000, marker);
  }
  assert.deepEqual(frames.map((f) => [f.sequenceHeader, f.keyframe]), [[true, false], [false, true], [false, false]]);
  assert.deepEqual(lines.filter((l) => /malformed video payload/.test(String(l.msg))).map((l) => l.codec), ['VP9']);
  transport.close();
});
