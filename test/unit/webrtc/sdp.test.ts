import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { parseOffer } from '../../../src/protocols/webrtc/sdp/parse.js';
import { answerOffer, type AnswerOptions } from '../../../src/protocols/webrtc/sdp/answer.js';
import { h264Profile } from '../../../src/protocols/webrtc/sdp/codecs.js';
import { SdpError, SdpNegotiationError } from '../../../src/protocols/webrtc/sdp/types.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/webrtc/${name}`, import.meta.url), 'utf8');
const WHIP = fixture('chromium-156-whip-offer.sdp');
const WHEP = fixture('chromium-156-whep-offer.sdp');
const SENDRECV = fixture('chromium-156-sendrecv-offer.sdp');
const HIGH = fixture('chrome-whip-offer-high-profile.sdp');
const OBS = fixture('obs-whip-offer.sdp');

const FINGERPRINT = { algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' };
const base: AnswerOptions = {
  role: 'publish',
  iceUfrag: 'srvufrag',
  icePwd: 'serverpasswordserverpass',
  fingerprint: FINGERPRINT,
  candidates: [{ address: '192.0.2.10', port: 8000, protocol: 'udp' }],
  sessionId: '1234567890',
};
const play: AnswerOptions = {
  ...base,
  role: 'play',
  candidates: [
    { address: '192.0.2.10', port: 8000, protocol: 'udp' },
    { address: '192.0.2.10', port: 8000, protocol: 'tcp' },
  ],
  send: { cname: 'sluice', streamId: 'live-livestream', video: { ssrc: 1001, rtxSsrc: 1002 }, audio: { ssrc: 2001 } },
};
const lines = (sdp: string): string[] => sdp.split('\r\n');
/** The lines of the m= section whose a=mid is `mid`. */
function sectionOf(sdp: string, mid: string): string[] {
  const sections = sdp.split(/\r\n(?=m=)/).slice(1).map((s) => s.split('\r\n'));
  return sections.find((s) => s.includes(`a=mid:${mid}`)) ?? [];
}

test("Chromium's WHIP offer parses: BUNDLE, directions, ICE, fingerprint, codecs, SSRCs, msid", () => {
  const offer = parseOffer(WHIP);
  assert.deepEqual(offer.bundle, ['0', '1']);
  assert.equal(offer.iceLite, false);
  const [audio, video] = offer.media;
  assert.equal(audio!.kind, 'audio');
  assert.equal(audio!.mid, '0');
  assert.equal(audio!.direction, 'sendonly');
  assert.equal(audio!.iceUfrag, 'C4vj');
  assert.equal(audio!.icePwd, 'kFplA/NzPBd5uqA7dUVsFiue');
  assert.equal(audio!.fingerprint.algorithm, 'sha-256');
  assert.match(audio!.fingerprint.value, /^88:E8:4A/);
  assert.equal(audio!.setup, 'actpass');
  assert.ok(audio!.rtcpMux && audio!.rtcpRsize);
  const opus = audio!.codecs.find((c) => c.name === 'opus')!;
  assert.deepEqual(opus, { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: { minptime: '10', useinbandfec: '1' }, rtcpFb: ['transport-cc'] });
  assert.deepEqual(audio!.ssrcs, [
    { ssrc: 329398290, attributes: { cname: 'bL9AJSDwVc2YqJPE', msid: '4c9728ad-4a12-48d0-8d65-04bba2f295b0 d146725c-6ede-44d1-bbb6-3814da4a6d0b' } },
  ]);
  assert.equal(video!.mid, '1');
  assert.deepEqual(video!.msid, { stream: '4c9728ad-4a12-48d0-8d65-04bba2f295b0', track: '5730d47d-75df-45da-98e5-ec53214c552a' });
  assert.deepEqual(video!.ssrcGroups, [{ semantics: 'FID', ssrcs: [1488631467, 2685729351] }]);
  const h264 = video!.codecs.find((c) => c.payloadType === 108)!;
  assert.deepEqual(h264.fmtp, { 'level-asymmetry-allowed': '1', 'packetization-mode': '1', 'profile-level-id': '42e01f' });
  assert.deepEqual(h264.rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  assert.deepEqual(video!.codecs.find((c) => c.payloadType === 109)!.fmtp, { apt: '108' });
  assert.ok(video!.extmaps.some((e) => e.id === 3 && e.uri.includes('transport-wide-cc')));
  assert.equal(video!.codecs.length, 23);
});

test('WHIP answer: ice-lite, recvonly, H.264 42e01f with RTX, Opus, feedback and transport-cc, remote SSRCs', () => {
  const { sdp, media } = answerOffer(parseOffer(WHIP), base);
  const all = lines(sdp);
  for (const line of ['v=0', 'a=ice-lite', 'a=group:BUNDLE 0 1']) assert.ok(all.includes(line), line);
  assert.ok(sdp.endsWith('\r\n'));
  const video = sectionOf(sdp, '1');
  for (const line of [
    'm=video 9 UDP/TLS/RTP/SAVPF 108 109',
    'a=ice-ufrag:srvufrag',
    'a=ice-pwd:serverpasswordserverpass',
    `a=fingerprint:sha-256 ${FINGERPRINT.value}`,
    'a=setup:passive',
    'a=recvonly',
    'a=rtcp-mux',
    'a=rtcp-rsize',
    'a=rtpmap:108 H264/90000',
    'a=rtcp-fb:108 nack',
    'a=rtcp-fb:108 nack pli',
    'a=rtcp-fb:108 transport-cc',
    'a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'a=rtpmap:109 rtx/90000',
    'a=fmtp:109 apt=108',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=candidate:1 1 udp 2130706431 192.0.2.10 8000 typ host generation 0',
  ]) {
    assert.ok(video.includes(line), `video section lacks ${line}\n${video.join('\n')}`);
  }
  assert.ok(!video.some((l) => l.startsWith('a=ssrc')), 'no SSRCs of ours on a publish');
  const audio = sectionOf(sdp, '0');
  for (const line of ['m=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtcp-fb:111 transport-cc', 'a=recvonly']) {
    assert.ok(audio.includes(line), line);
  }
  assert.deepEqual(
    media.map((m) => [m.mid, m.kind, m.direction, m.codec.payloadType, m.rtxPayloadType, m.remoteSsrc, m.remoteRtxSsrc, m.extensions.transportCc]),
    [
      ['0', 'audio', 'recvonly', 111, undefined, 329398290, undefined, 3],
      ['1', 'video', 'recvonly', 108, 109, 1488631467, 2685729351, 3],
    ],
  );
});

test('WHEP answer: sendonly with our SSRCs, FID group, cname, msid, and a passive TCP candidate', () => {
  const { sdp, media } = answerOffer(parseOffer(WHEP), play);
  assert.ok(lines(sdp).includes('a=msid-semantic: WMS live-livestream'));
  const video = sectionOf(sdp, '1');
  for (const line of [
    'a=sendonly',
    'a=msid:live-livestream live-livestream-video',
    'a=ssrc-group:FID 1001 1002',
    'a=ssrc:1001 cname:sluice',
    'a=ssrc:1001 msid:live-livestream live-livestream-video',
    'a=ssrc:1002 cname:sluice',
    'a=candidate:2 1 tcp 2122317823 192.0.2.10 8000 typ host tcptype passive generation 0',
    'a=end-of-candidates',
  ]) {
    assert.ok(video.includes(line), `video section lacks ${line}`);
  }
  assert.ok(sectionOf(sdp, '0').includes('a=ssrc:2001 cname:sluice'));
  assert.deepEqual(
    media.map((m) => [m.kind, m.direction, m.localSsrc, m.localRtxSsrc]),
    [
      ['audio', 'sendonly', 2001, undefined],
      ['video', 'sendonly', 1001, 1002],
    ],
  );
});

test("OBS's WHIP offer (session-level ICE and fingerprint, no transport-cc, no RTX) is answered", () => {
  const offer = parseOffer(OBS);
  assert.deepEqual(offer.media.map((m) => [m.mid, m.iceUfrag, m.setup, m.fingerprint.value.slice(0, 5)]), [
    ['0', 'Ncd/', 'actpass', 'A7:3E'],
    ['1', 'Ncd/', 'actpass', 'A7:3E'],
  ]);
  const { sdp, media } = answerOffer(offer, base);
  assert.deepEqual(
    media.map((m) => [m.kind, m.codec.payloadType, m.rtxPayloadType, m.rtcpFb, m.extensions, m.remoteSsrc]),
    [
      ['audio', 111, undefined, [], {}, 1969412358],
      ['video', 96, undefined, ['nack', 'nack pli', 'goog-remb'], {}, 1969412359],
    ],
  );
  assert.ok(!sdp.includes('transport-cc'));
  assert.ok(lines(sdp).includes('a=group:BUNDLE 0 1'));
});

test("srs.sdk.js's sendrecv play offer gets a sendonly answer", () => {
  const { media } = answerOffer(parseOffer(SENDRECV), play);
  assert.deepEqual(media.map((m) => m.direction), ['sendonly', 'sendonly']);
});

test('the H.264 profile follows the wanted profile-level-id, else Constrained Baseline; mode 0 is never chosen', () => {
  const high = parseOffer(HIGH);
  const pick = (offer: typeof high, wanted?: string) =>
    answerOffer(offer, { ...play, ...(wanted ? { h264ProfileLevelId: wanted } : {}) }).media.find((m) => m.kind === 'video')!.codec;
  assert.equal(pick(high, '640028').payloadType, 112);
  assert.equal(pick(high, '4d401f').payloadType, 127);
  assert.equal(pick(high, '42c01e').payloadType, 106); // ffmpeg's baseline: constrained baseline
  assert.equal(pick(high).payloadType, 106);
  assert.equal(pick(high).fmtp['profile-level-id'], '42e01f');
  // Chromium without High: a High source falls back to Constrained Baseline with packetization-mode 1.
  assert.equal(pick(parseOffer(WHEP), '640028').payloadType, 108);
  assert.equal(h264Profile('42001f'), 'baseline');
  assert.equal(h264Profile('640c1f'), 'constrained-high');
});

test('other video codecs are taken when preferred: VP9 profile 0, AV1', () => {
  const offer = parseOffer(WHIP);
  const video = (videoCodecs: string[]) => answerOffer(offer, { ...base, videoCodecs }).media.find((m) => m.kind === 'video')!;
  assert.deepEqual([video(['VP9']).codec.payloadType, video(['VP9']).rtxPayloadType], [98, 99]);
  assert.equal(video(['AV1', 'H264']).codec.name, 'AV1');
  assert.equal(video(['H265', 'H264']).codec.name, 'H264');
});

test('no common codec: a typed error naming what was offered; a codec-less section alone is refused with port 0', () => {
  const vp8Only = WHIP.replace(/H264/g, 'H263');
  const noOpus = vp8Only.replace(/opus/g, 'speex');
  assert.throws(() => answerOffer(parseOffer(noOpus), base), (error: unknown) => {
    assert.ok(error instanceof SdpNegotiationError);
    assert.match(error.message, /audio offers speex, G722, PCMU, PCMA, we take opus/);
    assert.match(error.message, /video offers VP8, H263, AV1, VP9, we take H264/);
    return true;
  });
  const { sdp, media } = answerOffer(parseOffer(vp8Only), base);
  assert.deepEqual(media.map((m) => m.kind), ['audio']);
  assert.ok(lines(sdp).includes('a=group:BUNDLE 0'));
  assert.ok(sectionOf(sdp, '1')[0]!.startsWith('m=video 0 UDP/TLS/RTP/SAVPF'));
});

test('an offer that wants to be the DTLS server is refused: Sluice is always passive', () => {
  assert.throws(() => answerOffer(parseOffer(WHIP.replace(/a=setup:actpass/g, 'a=setup:passive')), base), SdpNegotiationError);
  assert.equal(answerOffer(parseOffer(WHIP.replace(/a=setup:actpass/g, 'a=setup:active')), base).media.length, 2);
});

test('a data channel section is refused in the answer, media goes on', () => {
  const withData = WHIP + 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:C4vj\r\na=ice-pwd:kFplA/NzPBd5uqA7dUVsFiue\r\na=fingerprint:sha-256 88:E8\r\na=mid:2\r\na=sctp-port:5000\r\n';
  const { sdp, media } = answerOffer(parseOffer(withData.replace('BUNDLE 0 1', 'BUNDLE 0 1 2')), base);
  assert.equal(media.length, 2);
  assert.ok(sdp.includes('m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2'));
  assert.ok(lines(sdp).includes('a=group:BUNDLE 0 1'));
});

test('session-level ICE credentials and fingerprint (as Firefox writes them) apply to every section', () => {
  const firefox = [
    'v=0',
    'o=mozilla...THIS_IS_SDPARTA-99.0 1 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    'a=fingerprint:sha-256 0A:0B:0C',
    'a=group:BUNDLE 0',
    'a=ice-options:trickle',
    'a=ice-ufrag:ff01',
    'a=ice-pwd:ffpasswordffpasswordff12',
    'm=video 9 UDP/TLS/RTP/SAVPF 126',
    'c=IN IP4 0.0.0.0',
    'a=sendonly',
    'a=mid:0',
    'a=rtcp-mux',
    'a=rtpmap:126 H264/90000',
    'a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1',
    'a=setup:actpass',
    '',
  ].join('\r\n');
  const [video] = parseOffer(firefox).media;
  assert.equal(video!.iceUfrag, 'ff01');
  assert.deepEqual(video!.fingerprint, { algorithm: 'sha-256', value: '0A:0B:0C' });
  assert.equal(answerOffer(parseOffer(firefox), base).media[0]!.codec.payloadType, 126);
});

test('garbage and incomplete offers are SdpErrors that say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /v=0/],
    ['hello world', /v=0/],
    ['v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no m= section/],
    ['v=0\r\nthis is not sdp\r\n', /line 2/],
    [WHIP.replace(/a=ice-ufrag:.*\r\n/g, ''), /ice-ufrag/],
    [WHIP.replace(/a=fingerprint:.*\r\n/g, ''), /fingerprint/],
    [WHIP.replace('a=fingerprint:sha-256 88', 'a=fingerprint:sha-256 zz'), /fingerprint/],
    [WHIP.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111'), /rtpmap/],
    [WHIP.replace('a=rtpmap:111 opus/48000/2\r\n', ''), /payload type 111 has no a=rtpmap/],
    [WHIP.replace('m=audio 9 ', 'm=audio nine '), /m= line/],
    [WHIP.replace('a=ssrc:329398290 cname', 'a=ssrc:99999999999 cname'), /ssrc/],
    ['v=0\r\n' + 'a=x\r\n'.repeat(60_000), /too large/],
  ];
  for (const [sdp, message] of cases) assert.throws(() => parseOffer(sdp), (e: unknown) => e instanceof SdpError && message.test(e.message), String(message));
});

test('fuzz sdp: mutated offers either parse and answer, or fail with SdpError/SdpNegotiationError', () => {
  const source = lines(WHIP);
  const check = (sdp: string): void => {
    try {
      answerOffer(parseOffer(sdp), play);
    } catch (error) {
      if (!(error instanceof SdpError) && !(error instanceof SdpNegotiationError)) throw error;
    }
  };
  const edit = fc.record({ line: fc.nat(source.length - 1), action: fc.constantFrom('drop', 'replace', 'truncate', 'duplicate'), text: fc.string({ maxLength: 40 }) });
  fc.assert(
    fc.property(fc.array(edit, { maxLength: 6 }), (edits) => {
      const mutated = [...source];
      for (const { line, action, text } of edits) {
        const at = line % mutated.length;
        if (action === 'drop') mutated.splice(at, 1);
        else if (action === 'replace') mutated[at] = mutated[at]!.slice(0, 2) + text;
        else if (action === 'truncate') mutated[at] = mutated[at]!.slice(0, text.length);
        else mutated.splice(at, 0, mutated[at]!);
      }
      check(mutated.join('\r\n'));
    }),
    fuzzRuns(1000),
  );
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => check(`v=0\r\n${text}`)), fuzzRuns(1000));
});
