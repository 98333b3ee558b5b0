import { RelayError } from '../errors.js';

/** One media segment of a playlist. */
export interface PlaylistSegment {
  /** Media sequence number. */
  sequence: number;
  /** Absolute URL. */
  url: string;
  durationSec: number;
  /** An EXT-X-DISCONTINUITY comes before it: its timestamps start a new timeline. */
  discontinuity: boolean;
}

export interface MediaPlaylist {
  kind: 'media';
  targetDurationSec: number;
  segments: PlaylistSegment[];
  /** EXT-X-ENDLIST: no segment will be added (a VOD or a finished live stream). */
  ended: boolean;
}

export interface MasterPlaylist {
  kind: 'master';
  /** Variant streams, highest bandwidth first. */
  variants: Array<{ url: string; bandwidth: number }>;
}

/** Parses an HLS playlist (RFC 8216); URIs are resolved against `base`. */
export function parsePlaylist(text: string, base: string): MediaPlaylist | MasterPlaylist {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines[0] !== '#EXTM3U') throw new RelayError('not an HLS playlist (no #EXTM3U)');
  const resolve = (uri: string): string => {
    let url: URL;
    try {
      url = new URL(uri, base);
    } catch {
      throw new RelayError(`the playlist names a URI that is not one: ${uri.slice(0, 100)}`);
    }
    // Segments and variants are fetched over HTTP only: a `file:` or `data:` URI is refused, not read.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RelayError(`the playlist names a URI that is not HTTP: ${uri.slice(0, 100)}`);
    return url.toString();
  };
  if (lines.some((line) => line.startsWith('#EXT-X-STREAM-INF:'))) {
    const variants: MasterPlaylist['variants'] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line.startsWith('#EXT-X-STREAM-INF:')) continue;
      const uri = lines.slice(i + 1).find((next) => !next.startsWith('#'));
      const bandwidth = Number(/(?:^|[:,])BANDWIDTH=(\d+)/.exec(line)?.[1] ?? 0);
      if (uri) variants.push({ url: resolve(uri), bandwidth });
    }
    if (variants.length === 0) throw new RelayError('master playlist without variants');
    return { kind: 'master', variants: variants.sort((a, b) => b.bandwidth - a.bandwidth) };
  }
  let sequence = 0;
  let targetDurationSec = 0;
  let ended = false;
  let durationSec = 0;
  let discontinuity = false;
  const segments: PlaylistSegment[] = [];
  for (const line of lines) {
    // RFC 8216 4.3.3.2: it comes before the first segment; a late one would renumber what is listed.
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = segments.length === 0 ? Number(line.slice(22)) || 0 : sequence;
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDurationSec = Number(line.slice(22)) || 0;
    else if (line.startsWith('#EXTINF:')) durationSec = Number.parseFloat(line.slice(8)) || 0;
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (!line.startsWith('#')) {
      segments.push({ sequence: sequence++, url: resolve(line), durationSec, discontinuity });
      durationSec = 0;
      discontinuity = false;
    }
  }
  if (targetDurationSec <= 0) targetDurationSec = Math.max(1, ...segments.map((s) => Math.ceil(s.durationSec)));
  return { kind: 'media', targetDurationSec, segments, ended };
}
