import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterPlaylist, MediaPlaylist, type PlaylistSegment } from '../../../src/hls/playlist.js';
import { renderTemplate, resolveInside } from '../../../src/util/path-template.js';

// Captured from SRS 7.0.18 (hls_media.m3u8 and hls_master.m3u8 of the reference captures), except
// that SRS also writes #EXT-X-DISCONTINUITY before the first segment of a new stream, which
// continues nothing (RFC 8216 6.2.1), so Sluice does not.
const SRS_MEDIA =
  '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:3\n' +
  '#EXTINF:2.023, no desc\nlivestream-0.ts?hls_ctx=8wlafq47\n';
const SRS_MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=1\n/live/livestream.m3u8?hls_ctx=8wlafq47\n';

const segment = (seq: number, duration: number, discontinuity = false): PlaylistSegment => ({
  seq, duration, discontinuity, uri: `livestream-${seq}.ts`, url: `live/livestream-${seq}.ts`, file: `/x/live/livestream-${seq}.ts`,
});

test('media and master playlists are byte for byte what SRS 7 serves', () => {
  // hls_fragment 2 × hls_td_ratio 1.5: target duration 3.
  const playlist = new MediaPlaylist(10, 3);
  playlist.add(segment(0, 2.023));
  assert.equal(playlist.render('?hls_ctx=8wlafq47'), SRS_MEDIA);
  assert.equal(masterPlaylist('/live/livestream.m3u8?hls_ctx=8wlafq47'), SRS_MASTER);
});

test('the window keeps the newest segments covering hls_window seconds, plus the one crossing it', () => {
  const playlist = new MediaPlaylist(10, 1);
  const removed: number[] = [];
  for (let seq = 0; seq < 10; seq++) removed.push(...playlist.add(segment(seq, 3)).map((s) => s.seq));
  // 3+3+3 = 9 <= 10, so a fourth segment (crossing 10) is kept as well.
  assert.deepEqual(playlist.segments.map((s) => s.seq), [6, 7, 8, 9]);
  assert.deepEqual(removed, [0, 1, 2, 3, 4, 5]);
  const text = playlist.render();
  assert.match(text, /#EXT-X-MEDIA-SEQUENCE:6\n#EXT-X-TARGETDURATION:3\n/);
  assert.deepEqual(playlist.clear().length, 4);
});

test('a discontinuity is written before its segment; the target duration rounds up', () => {
  const playlist = new MediaPlaylist(60, 3);
  playlist.add(segment(0, 2));
  playlist.add(segment(1, 4.2, true));
  assert.equal(
    playlist.render(),
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:5\n' +
      '#EXTINF:2.000, no desc\nlivestream-0.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4.200, no desc\nlivestream-1.ts\n',
  );
});

test('path templates fill SRS placeholders', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 6);
  const values = { vhost: 'v', app: 'live', stream: 'cam', seq: 7, time };
  assert.equal(renderTemplate('[app]/[stream]-[seq].ts', values), 'live/cam-7.ts');
  assert.equal(renderTemplate('[vhost]/[2006][01][02]/[15][04][05].[999]-[timestamp].ts', values), `v/20260102/030405.006-${time.getTime()}.ts`);
  assert.equal(renderTemplate('[app]/[unknown].m3u8', values), 'live/[unknown].m3u8');
});

test('no template or name can leave hls_path', () => {
  assert.equal(resolveInside('/srv/hls', 'live/a.ts'), '/srv/hls/live/a.ts');
  assert.throws(() => resolveInside('/srv/hls', '../etc/passwd'));
  assert.throws(() => resolveInside('/srv/hls', '/etc/passwd'));
  assert.throws(() => resolveInside('/srv/hls', 'live/../../x.ts'));
  assert.throws(() => resolveInside('/srv/hls', ''));
});

test('discontinuities that leave the window are counted in EXT-X-DISCONTINUITY-SEQUENCE', () => {
  const playlist = new MediaPlaylist(4, 3);
  playlist.add(segment(0, 2));
  playlist.add(segment(1, 2, true));
  playlist.add(segment(2, 2));
  assert.doesNotMatch(playlist.render(), /DISCONTINUITY-SEQUENCE/, 'no discontinuity has left yet');
  playlist.add(segment(3, 2, true));
  playlist.add(segment(4, 2));
  assert.deepEqual(playlist.segments.map((s) => s.seq), [2, 3, 4]);
  assert.equal(
    playlist.render(),
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n#EXT-X-TARGETDURATION:3\n' +
      '#EXTINF:2.000, no desc\nlivestream-2.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000, no desc\nlivestream-3.ts\n' +
      '#EXTINF:2.000, no desc\nlivestream-4.ts\n',
  );
  playlist.add(segment(5, 2));
  playlist.add(segment(6, 2));
  assert.match(playlist.render(), /#EXT-X-MEDIA-SEQUENCE:4\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n/);
});
