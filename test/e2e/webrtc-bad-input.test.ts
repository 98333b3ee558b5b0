import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { servePage } from '../support/browser.js';
import { publishTestPattern } from '../support/ffmpeg.js';
import { startTestServer } from '../support/server.js';
import { WEBRTC_PAGE, figures, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';
import { STUN_BINDING, encodeStun } from '../../src/protocols/webrtc/stun/message.js';

const RTC = {
  rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
  vhosts: { __defaultVhost__: { rtc: { enabled: true, rtmp_to_rtc: true, rtc_to_rtmp: true } } },
  publish_secret: { enabled: true, secret: 'letmein', apps: ['guarded'] },
};

const FINGERPRINT = Array.from(randomBytes(32), (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
/** A well-formed offer whose only video codec is VP8 (Sluice carries H.264). */
const VP8_ONLY = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  `a=fingerprint:sha-256 ${FINGERPRINT}`, 'a=setup:actpass', 'a=rtcp-mux', 'a=recvonly', 'a=rtpmap:96 VP8/90000', '',
].join('\r\n');

async function send(port: number, datagram: Buffer): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve()));
  socket.close();
}

test('bad signalling and bad datagrams are refused with a reason while a WHEP player keeps playing', async () => {
  const server = await startTestServer(RTC);
  const publisher = publishTestPattern(server.rtmpUrl('live/cam'), 90);
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  const api = `http://127.0.0.1:${server.apiPort}`;
  try {
    await server.waitForLog((line) => line.msg === 'publish start', 15_000);
    const page = await browser.newPage();
    await page.goto(url);
    const healthy = await startPeer(page, `${api}/rtc/v1/whep/?app=live&stream=cam`, 'play');
    assert.equal(healthy.status, 201, healthy.text);
    await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > 10, 'healthy player decodes');

    const whip = (query: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${api}/rtc/v1/whip/?${query}`, { method: 'POST', headers: { 'Content-Type': 'application/sdp', ...headers }, body });
    // Garbage SDP: 400 with the reason.
    const garbage = await whip('app=live&stream=x', 'this is not SDP');
    assert.equal(garbage.status, 400);
    assert.match(await garbage.text(), /SDP/);
    // A well-formed offer with no codec in common: 400 with the reason.
    const vp8 = await whip('app=live&stream=x', VP8_ONLY);
    assert.equal(vp8.status, 400);
    assert.match(await vp8.text(), /codec|H264|H\.264/i);
    // SRS's JSON API: the same refusal as a JSON code.
    const json = await fetch(`${api}/rtc/v1/publish/`, { method: 'POST', body: JSON.stringify({ streamurl: 'webrtc://127.0.0.1/live/x', sdp: 'garbage' }) });
    assert.equal(json.status, 400);
    assert.ok(((await json.json()) as { code: number }).code > 0);
    // The gate refuses a publish without the stream's secret: 403 with its reason, before any answer.
    const offer = (await page.evaluate('window.pc.localDescription.sdp')) as string;
    const refused = await whip('app=guarded&stream=x', offer.replace(/a=recvonly/g, 'a=sendonly'));
    assert.equal(refused.status, 403);
    assert.ok((await refused.text()).length > 1, 'the refusal says why');
    await server.waitForLog((line) => line.msg === 'rtc publish refused');
    // WHIP's bearer token reaches the gate as the stream's secret.
    const bearer = await whip('app=guarded&stream=x', offer.replace(/a=recvonly/g, 'a=sendonly'), { Authorization: 'Bearer letmein' });
    assert.equal(bearer.status, 201, await bearer.text());
    // Trickle ICE: candidates PATCHed to the resource are acknowledged; a wrong token names nothing.
    const resource = `${api}${bearer.headers.get('location')}`;
    const trickle = { method: 'PATCH', headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' }, body: 'a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n' };
    assert.equal((await fetch(resource, trickle)).status, 204);
    assert.equal((await fetch(resource.replace(/token=[^&]+/, 'token=wrong'), trickle)).status, 404);

    // STUN for no session, STUN with the right ufrag but a wrong password, DTLS and RTP garbage.
    const [local, remote] = decodeURIComponent(/session=([^&]+)/.exec(healthy.location!)![1]!).split(':') as [string, string];
    const port = server.rtcPort!;
    const binding = (username: string, key: string) => encodeStun({ method: STUN_BINDING, class: 'request', transactionId: randomBytes(12), username, integrityKey: key, fingerprint: true });
    await send(port, binding('nosuch:session', 'whatever'));
    await server.waitForLog((line) => line.msg === 'rtc STUN for no session (unknown ufrag), ignored');
    await send(port, binding(`${local}:${remote}`, 'not-the-password'));
    await server.waitForLog((line) => line.msg === 'rtc STUN with bad MESSAGE-INTEGRITY, ignored');
    await send(port, Buffer.concat([Buffer.from([22, 0xfe, 0xfd]), randomBytes(200)]));
    await send(port, randomBytes(300));
    await server.waitForLog((line) => line.msg === 'rtc datagram from an address no session owns, dropped');

    // The healthy player is unharmed.
    const before = await figures(page);
    await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > (before.in_video?.framesDecoded ?? 0) + 25, 'healthy player keeps decoding');
    assert.equal((await figures(page)).state, 'connected');
  } finally {
    await browser.close();
    pages.close();
    await publisher.stop();
    await server.close();
  }
});
