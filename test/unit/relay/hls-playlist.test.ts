import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePlaylist } from '../../../src/relay/hls-pull/playlist.js';
import { pullProtocol } from '../../../src/relay/pull-service.js';
import { RelayError } from '../../../src/relay/errors.js';
import { fuzzRuns } from '../../support/fuzz.js';

test('parsePlaylist: a master playlist lists its variants highest bandwidth first, with URIs resolved', () => {
  const master = parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=200000,CODECS="avc1.4d401f"\nlow/index.m3u8\n#EXT-X-STREAM-INF:AVERAGE-BANDWIDTH=1,BANDWIDTH=900000\nhttps://cdn.example/hi.m3u8\n', 'http://h/live/master.m3u8');
  assert.deepEqual(master, { kind: 'master', variants: [{ url: 'https://cdn.example/hi.m3u8', bandwidth: 900000 }, { url: 'http://h/live/low/index.m3u8', bandwidth: 200000 }] });
});

test('parsePlaylist: a media playlist numbers its segments from the media sequence and marks discontinuities and the end', () => {
  const media = parsePlaylist('#EXTM3U\r\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:41\n#EXTINF:2.0,\na.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:1.5,\n/b.ts?x=1\n#EXT-X-ENDLIST\n', 'http://h/live/s.m3u8');
  assert.deepEqual(media, {
    kind: 'media', targetDurationSec: 2, ended: true,
    segments: [
      { sequence: 41, url: 'http://h/live/a.ts', durationSec: 2, discontinuity: false },
      { sequence: 42, url: 'http://h/b.ts?x=1', durationSec: 1.5, discontinuity: true },
    ],
  });
});

test('parsePlaylist: text that is no playlist is a RelayError', () => {
  assert.throws(() => parsePlaylist('<html>not found</html>', 'http://h/x.m3u8'), RelayError);
  assert.throws(() => parsePlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', 'http://h/x.m3u8'), /without variants/);
  assert.throws(() => parsePlaylist('#EXTM3U\n#EXTINF:2,\nfile:///etc/passwd\n', 'http://h/x.m3u8'), /not HTTP/);
});

test('pullProtocol: rtmp URLs over RTMP, .m3u8 paths as HLS, other HTTP URLs as FLV', () => {
  assert.equal(pullProtocol('rtmps://h/live/s'), 'rtmp-pull');
  assert.equal(pullProtocol('https://h/live/s.m3u8?token=1'), 'hls-pull');
  assert.equal(pullProtocol('http://h/live/s.flv'), 'flv-pull');
});

test('parsePlaylist: any text either parses, with absolute URLs and increasing sequence numbers, or is a RelayError', () => {
  const line = fc.oneof(
    fc.constantFrom('#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=5', '#EXT-X-DISCONTINUITY', '#EXT-X-ENDLIST', '#EXTINF:x,', '#EXT-X-MEDIA-SEQUENCE:-3', '#EXT-X-TARGETDURATION:0', 'a.ts', '../b.m3u8', '//h2/c.ts', 'http://[::1/x', 'A:', 'file:///etc/passwd'),
    fc.string({ maxLength: 20 }),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
      try {
        const playlist = parsePlaylist(lines.join('\n'), 'http://h/live/p.m3u8');
        const urls = playlist.kind === 'master' ? playlist.variants.map((v) => v.url) : playlist.segments.map((s) => s.url);
        for (const url of urls) assert.ok(/^https?:\/\/[^/]/.test(url), url);
        if (playlist.kind === 'media') playlist.segments.slice(1).forEach((s, i) => assert.equal(s.sequence, playlist.segments[i]!.sequence + 1));
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
      }
    }),
    fuzzRuns(500),
  );
});
