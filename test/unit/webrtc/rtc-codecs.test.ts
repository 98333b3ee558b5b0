import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { answerOffer, type AnswerOptions } from '../../../src/protocols/webrtc/sdp/answer.js';
import { chooseCodec } from '../../../src/protocols/webrtc/sdp/codecs.js';
import { parseOffer } from '../../../src/protocols/webrtc/sdp/parse.js';
import { VIDEO_CODECS, chooseVideo, queryCodec, rtcCodecOf, rtcCodecOfSdp } from '../../../src/servers/webrtc/rtc-codecs.js';

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/webrtc/${name}`, import.meta.url), 'utf8');
const WHIP = fixture('chromium-156-whip-offer.sdp');

/**
 * The offer with its video section cut down to these encodings (and their RTX), optionally with
 * extra codec lines (`a=rtpmap`/`a=fmtp` of new payload types) added.
 */
function videoOnly(sdp: string, names: string[], extra: Array<{ pt: number; lines: string[] }> = []): string {
  const sections = sdp.split(/\r\n(?=m=)/);
  return sections
    .map((section) => {
      if (!section.startsWith('m=video')) return section;
      const lines = section.split('\r\n');
      const pairs = (re: RegExp): Map<string, string> => new Map(lines.map((l) => re.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
      const name = pairs(/^a=rtpmap:(\d+) ([^/]+)/);
      const apt = pairs(/^a=fmtp:(\d+) apt=(\d+)/);
      const kept = new Set([...name.keys()].filter((pt) => names.includes(name.get(pt)!) || (apt.has(pt) && names.includes(name.get(apt.get(pt)!)!))));
      const [mline, ...rest] = lines;
      const pts = [...mline!.split(' ').slice(3).filter((pt) => kept.has(pt)), ...extra.map((e) => String(e.pt))];
      const body = rest.filter((l) => {
        const pt = /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(l)?.[1];
        return pt === undefined || kept.has(pt);
      });
      return [`${mline!.split(' ').slice(0, 3).join(' ')} ${pts.join(' ')}`, ...body, ...extra.flatMap((e) => e.lines)].join('\r\n');
    })
    .join('\r\n');
}

const options: AnswerOptions = {
  role: 'publish',
  iceUfrag: 'srvufrag',
  icePwd: 'serverpasswordserverpass',
  fingerprint: { algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' },
  candidates: [{ address: '192.0.2.10', port: 8000, protocol: 'udp' }],
};
const videoOf = (sdp: string, videoCodecs: string[]) => answerOffer(parseOffer(sdp), { ...options, videoCodecs }).media.find((m) => m.kind === 'video');

test("the codec of Chromium's offer each preference takes: main profiles of VP9 and AV1, H.264 first for a publish", () => {
  const video = parseOffer(WHIP).media.find((m) => m.kind === 'video')!;
  assert.equal(chooseCodec(video, ['VP9'])?.fmtp['profile-id'], '0');
  assert.equal(chooseCodec(video, ['VP9'])?.payloadType, 98);
  assert.equal(chooseCodec(video, ['AV1'])?.payloadType, 45);
  assert.equal(chooseCodec(video, [...VIDEO_CODECS])?.name, 'H264');
  assert.equal(chooseCodec(video, ['H265']), undefined);
});

test('a publish offer without H.264 is answered VP9 (profile 0, its RTX), then AV1, then H.265', () => {
  const vp9 = videoOf(videoOnly(WHIP, ['VP8', 'VP9', 'AV1']), [...VIDEO_CODECS])!;
  assert.deepEqual([vp9.codec.name, vp9.codec.payloadType, vp9.codec.fmtp, vp9.rtxPayloadType], ['VP9', 98, { 'profile-id': '0' }, 99]);
  assert.deepEqual(vp9.rtcpFb, ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli']);
  const answer = answerOffer(parseOffer(videoOnly(WHIP, ['VP8', 'VP9', 'AV1'])), { ...options, videoCodecs: [...VIDEO_CODECS] }).sdp;
  assert.match(answer, /a=rtpmap:98 VP9\/90000\r\n/);
  assert.match(answer, /a=fmtp:98 profile-id=0\r\n/);
  assert.equal(videoOf(videoOnly(WHIP, ['AV1', 'VP8']), [...VIDEO_CODECS])?.codec.name, 'AV1');
  const h265 = videoOnly(WHIP, ['VP8'], [
    { pt: 49, lines: ['a=rtpmap:49 H265/90000', 'a=rtcp-fb:49 nack pli', 'a=fmtp:49 level-id=93;profile-id=2;tier-flag=0;tx-mode=SRST'] },
    { pt: 51, lines: ['a=rtpmap:51 H265/90000', 'a=rtcp-fb:51 nack pli', 'a=fmtp:51 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST'] },
  ]);
  const main = videoOf(h265, [...VIDEO_CODECS])!;
  assert.deepEqual([main.codec.name, main.codec.payloadType, main.codec.fmtp['profile-id']], ['H265', 51, '1'], 'H.265 Main over Main 10');
  assert.match(answerOffer(parseOffer(h265), { ...options, videoCodecs: ['H265'] }).sdp, /a=fmtp:51 level-id=93;profile-id=1;tier-flag=0;tx-mode=SRST\r\n/);
  // VP8 only: no video codec in common, the section is refused (audio is still answered).
  assert.equal(videoOf(videoOnly(WHIP, ['VP8']), [...VIDEO_CODECS]), undefined);
});

test("Chrome M90-M97's AV1X is AV1", () => {
  const av1x = videoOnly(WHIP, ['VP8'], [{ pt: 35, lines: ['a=rtpmap:35 AV1X/90000', 'a=rtcp-fb:35 nack pli'] }]);
  const video = videoOf(av1x, ['AV1'])!;
  assert.equal(video.codec.name, 'AV1X');
  assert.equal(rtcCodecOfSdp(video.codec.name), 'AV1');
});

test('which codec a request gets: SRS 7 codec= values, the stream codec for a play, H.264 by default', () => {
  assert.deepEqual([queryCodec('hevc'), queryCodec('H265'), queryCodec('vp9'), queryCodec('AV1'), queryCodec('avc'), queryCodec(''), queryCodec(undefined), queryCodec('vp8')], ['H265', 'H265', 'VP9', 'AV1', 'H264', undefined, undefined, null]);
  assert.deepEqual([rtcCodecOf('HEVC'), rtcCodecOf('VP9'), rtcCodecOf('VP8'), rtcCodecOf(undefined)], ['H265', 'VP9', undefined, undefined]);
  assert.deepEqual(chooseVideo('publish', undefined, undefined), { preference: ['H264', 'VP9', 'AV1', 'H265'] });
  assert.deepEqual(chooseVideo('publish', 'AV1', 'H264'), { preference: ['AV1'], required: { codec: 'AV1', because: 'the request asks for AV1' } });
  assert.deepEqual(chooseVideo('play', undefined, 'VP9'), { preference: ['VP9'], required: { codec: 'VP9', because: "the stream's video is VP9" } });
  assert.deepEqual(chooseVideo('play', 'VP9', 'VP9'), { preference: ['VP9'], required: { codec: 'VP9', because: "the stream's video is VP9" } });
  assert.equal(chooseVideo('play', 'H265', 'VP9'), "the stream's video is VP9, the request asks for H265");
  assert.deepEqual(chooseVideo('play', 'AV1', undefined), { preference: ['AV1'], required: { codec: 'AV1', because: 'the request asks for AV1' } });
  assert.deepEqual(chooseVideo('play', undefined, undefined), { preference: ['H264', 'VP9', 'AV1', 'H265'] });
});
