import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

interface Hook {
  action: string;
  client_id: string;
  param: string;
  tcUrl: string;
  app: string;
  stream: string;
  stream_url: string;
}

const FINGERPRINT = Array.from(randomBytes(32), (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join(':');
/** A browser-like offer to publish H.264 (it never connects: no STUN follows). */
const H264_OFFER = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 102', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  `a=fingerprint:sha-256 ${FINGERPRINT}`, 'a=setup:actpass', 'a=rtcp-mux', 'a=sendonly', 'a=rtpmap:102 H264/90000',
  'a=rtcp-fb:102 nack', 'a=rtcp-fb:102 nack pli', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f', 'a=ssrc:1111 cname:x', '',
].join('\r\n');

test('SRS callbacks for a WebRTC publish carry the streamurl as SRS sends them; a session without consent is closed', async () => {
  const receiver = await Receiver.start((req, res) => {
    const body = JSON.parse(req.body) as Hook;
    res.end(body.action === 'on_publish' && body.param.includes('token=bad') ? '{"code":1,"msg":"bad token"}' : '0');
  });
  const urls = Object.fromEntries(['on_connect', 'on_close', 'on_publish', 'on_unpublish'].map((event) => [event, receiver.url(`/api/v1/${event}`)]));
  const server = await startTestServer({
    rtc_server: { enabled: true, listen: '127.0.0.1:0', candidate: '127.0.0.1' },
    vhosts: { __defaultVhost__: { rtc: { enabled: true, stun_timeout: 1 }, http_hooks: { enabled: true, ...urls } } },
  });
  const hooks = (): Hook[] => receiver.requests.map((r) => JSON.parse(r.body) as Hook);
  try {
    const api = `http://127.0.0.1:${server.apiPort}/rtc/v1/publish/`;
    const refused = await fetch(api, { method: 'POST', body: JSON.stringify({ streamurl: 'webrtc://127.0.0.1/live/cam?token=bad', sdp: H264_OFFER }) });
    assert.equal(refused.status, 403);
    const refusal = (await refused.json()) as { code: number; msg: string };
    assert.equal(refusal.code, 2015);
    assert.match(refusal.msg, /on_publish/);

    const answered = await fetch(api, { method: 'POST', body: JSON.stringify({ api, streamurl: 'webrtc://127.0.0.1/live/cam?x=1', sdp: H264_OFFER, clientip: '' }) });
    const body = (await answered.json()) as { code: number; sdp: string; sessionid: string; server: string };
    assert.equal(body.code, 0, JSON.stringify(body));
    assert.match(body.sdp, /a=ice-lite/);
    assert.match(body.sessionid, /^[^:]+:abcd$/);
    const publish = hooks().find((hook) => hook.action === 'on_publish' && hook.param.includes('x=1'))!;
    assert.deepEqual(
      { tcUrl: publish.tcUrl, app: publish.app, stream: publish.stream, param: publish.param, stream_url: publish.stream_url },
      { tcUrl: 'webrtc://127.0.0.1/live', app: 'live', stream: 'cam', param: '?x=1&upstream=rtc', stream_url: '/live/cam' },
    );
    // No STUN ever comes: the session is closed once stun_timeout passes.
    const end = await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'webrtc', 10_000);
    assert.match(String(end.reason), /consent expired/);
    const deadline = Date.now() + 5000;
    while (!hooks().some((hook) => hook.action === 'on_unpublish') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const actions = hooks().filter((hook) => hook.client_id === publish.client_id).map((hook) => hook.action);
    // As SRS: WebRTC sessions get no on_connect / on_close.
    assert.deepEqual(actions, ['on_publish', 'on_unpublish']);
  } finally {
    await server.close();
    await receiver.close();
  }
});
