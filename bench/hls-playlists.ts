// What a server wrote for each stream: its media playlist, read from disk while the window runs.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface StreamSegments {
  stream: string;
  /** Segments that first appeared in the playlist during the window. */
  segments: number;
  /** Their total duration, from #EXTINF. */
  mediaSeconds: number;
  /** Their total size on disk. */
  bytes: number;
}

interface ListedSegment {
  seq: number;
  duration: number;
  uri: string;
}

/** The segments a live media playlist lists, numbered from #EXT-X-MEDIA-SEQUENCE. */
export function parsePlaylist(text: string): ListedSegment[] {
  const segments: ListedSegment[] = [];
  let seq = 0;
  let duration: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && duration !== undefined) {
      segments.push({ seq: seq++, duration, uri: line });
      duration = undefined;
    }
  }
  return segments;
}

function readPlaylist(path: string): ListedSegment[] | undefined {
  try {
    return parsePlaylist(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // not written yet
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // already cleaned up
  }
}

/**
 * mark() notes each stream's newest segment; poll(), called at least every few seconds (a
 * segment stays listed for the playlist window, 10 s), records every newer segment once.
 */
export class PlaylistWatcher {
  private readonly marks = new Map<string, number>();
  private readonly seen = new Map<string, Map<number, { duration: number; bytes: number }>>();

  /** `playlists`: stream name -> playlist path. */
  constructor(private readonly playlists: ReadonlyMap<string, string>) {
    for (const stream of playlists.keys()) this.seen.set(stream, new Map());
  }

  /** Streams that have no playlist with a segment in it yet. */
  streamsWithoutSegments(): string[] {
    return [...this.playlists].filter(([, path]) => !readPlaylist(path)?.length).map(([stream]) => stream);
  }

  mark(): void {
    for (const [stream, path] of this.playlists) this.marks.set(stream, readPlaylist(path)?.at(-1)?.seq ?? -1);
  }

  poll(): void {
    for (const [stream, path] of this.playlists) {
      const seen = this.seen.get(stream)!;
      const mark = this.marks.get(stream) ?? -1;
      for (const s of readPlaylist(path) ?? []) {
        if (s.seq <= mark || seen.has(s.seq)) continue;
        seen.set(s.seq, { duration: s.duration, bytes: fileSize(join(dirname(path), s.uri.split('?')[0]!)) });
      }
    }
  }

  result(): StreamSegments[] {
    return [...this.seen].map(([stream, seen]) => {
      const list = [...seen.values()];
      return {
        stream,
        segments: list.length,
        mediaSeconds: list.reduce((sum, s) => sum + s.duration, 0),
        bytes: list.reduce((sum, s) => sum + s.bytes, 0),
      };
    });
  }
}
