import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../support/browser.js';
import { parseOffer } from '../../src/protocols/webrtc/sdp/parse.js';
import { answerOffer } from '../../src/protocols/webrtc/sdp/answer.js';

type Mode = 'whip' | 'whep' | 'sendrecv';

/** In the page: a peer connection for `mode` whose offer is set locally; returns the offer. */
async function makeOffer(mode: Mode): Promise<string> {
  const pc = new RTCPeerConnection();
  (globalThis as unknown as { pc: RTCPeerConnection }).pc = pc;
  if (mode === 'whip') {
    const video = document.createElement('canvas').captureStream(30).getVideoTracks()[0]!;
    const audio = new AudioContext().createMediaStreamDestination().stream.getAudioTracks()[0]!;
    const stream = new MediaStream([audio, video]);
    for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
  } else {
    for (const kind of ['audio', 'video']) pc.addTransceiver(kind, { direction: mode === 'whep' ? 'recvonly' : 'sendrecv' });
  }
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return offer.sdp!;
}

/** In the page: applies the answer; returns each transceiver's mid, negotiated direction and kind. */
async function applyAnswer(sdp: string): Promise<string[]> {
  const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
  await pc.setRemoteDescription({ type: 'answer', sdp });
  return pc.getTransceivers().map((t) => `${t.mid} ${t.currentDirection} ${t.receiver.track.kind}`);
}

test("Chromium accepts Sluice's ICE-lite answers to its WHIP, WHEP and sendrecv offers", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const expected: Record<Mode, string[]> = {
      whip: ['0 sendonly audio', '1 sendonly video'],
      whep: ['0 recvonly audio', '1 recvonly video'],
      sendrecv: ['0 recvonly audio', '1 recvonly video'],
    };
    for (const mode of ['whip', 'whep', 'sendrecv'] as const) {
      const offer = await page.evaluate(makeOffer, mode);
      const { sdp } = answerOffer(parseOffer(offer), {
        role: mode === 'whip' ? 'publish' : 'play',
        iceUfrag: 'sluiceufrag',
        icePwd: 'sluicepasswordsluicepass',
        fingerprint: { algorithm: 'sha-256', value: Array(32).fill('AB').join(':') },
        candidates: [
          { address: '127.0.0.1', port: 8000, protocol: 'udp' },
          { address: '127.0.0.1', port: 8000, protocol: 'tcp' },
        ],
        send: { cname: 'sluice', streamId: 'live-livestream', video: { ssrc: 11, rtxSsrc: 12 }, audio: { ssrc: 13 } },
      });
      assert.deepEqual(await page.evaluate(applyAnswer, sdp), expected[mode], mode);
    }
  } finally {
    await browser.close();
  }
});
