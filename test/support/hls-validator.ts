import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Opens a viewer session as a player does: the first playlist request (retried while the
 * playlist is not ready) answers a master playlist; returns the media playlist URL it names.
 */
export async function openHlsSession(playlistUrl: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let response = await fetch(playlistUrl);
  while (response.status === 404 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    response = await fetch(playlistUrl);
  }
  assert.equal(response.status, 200, `${playlistUrl}: ${response.status}`);
  const media = (await response.text()).split('\n').find((line) => line !== '' && !line.startsWith('#'));
  assert.ok(media, 'the master playlist names a media playlist');
  return new URL(media, playlistUrl).href;
}

/** One media segment as a playlist lists it. */
export interface ListedSegment {
  seq: number;
  duration: number;
  uri: string;
  discontinuity: boolean;
}

export interface MediaPlaylistText {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: ListedSegment[];
}

/** Parses a live media playlist strictly: unknown or misplaced tags fail. */
export function parseMediaPlaylist(text: string): MediaPlaylistText {
  const lines = text.split('\n');
  assert.equal(lines[0], '#EXTM3U', 'a playlist starts with #EXTM3U');
  assert.equal(lines.at(-1), '', 'a playlist ends with a newline');
  let targetDuration: number | undefined;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  const segments: ListedSegment[] = [];
  let pending: { duration?: number; discontinuity: boolean } = { discontinuity: false };
  for (const line of lines.slice(1, -1)) {
    const [tag, value = ''] = line.split(/:(.*)/s);
    if (tag === '#EXT-X-VERSION') continue;
    if (tag === '#EXT-X-TARGETDURATION') targetDuration = integer(value, line);
    else if (tag === '#EXT-X-MEDIA-SEQUENCE' || tag === '#EXT-X-DISCONTINUITY-SEQUENCE') {
      assert.equal(segments.length, 0, `${tag} comes before the first segment`);
      if (tag === '#EXT-X-MEDIA-SEQUENCE') mediaSequence = integer(value, line);
      else discontinuitySequence = integer(value, line);
    } else if (tag === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (tag === '#EXTINF') pending.duration = Number(value.split(',')[0]);
    else {
      assert.ok(!line.startsWith('#'), `unexpected tag ${line}`);
      assert.ok(pending.duration !== undefined && pending.duration > 0, `${line} has a positive #EXTINF`);
      segments.push({ seq: mediaSequence + segments.length, duration: pending.duration, uri: line, discontinuity: pending.discontinuity });
      pending = { discontinuity: false };
    }
  }
  assert.ok(targetDuration !== undefined, 'EXT-X-TARGETDURATION is present');
  return { targetDuration, mediaSequence, discontinuitySequence, segments };
}

function integer(value: string, line: string): number {
  assert.match(value, /^\d+$/, `${line}: a decimal integer`);
  return Number(value);
}

/**
 * Checks what a player sees over successive reloads of a live playlist against RFC 8216:
 * target duration at least every EXTINF rounded and never changing, media and discontinuity
 * sequence numbers that only move on (the latter by the discontinuities that left), no
 * discontinuity before a new stream's first segment; and in the segments themselves: each
 * starts with a keyframe (when the server waits for one), and TS continuity counters run on
 * from one segment to the next.
 */
export class HlsValidator {
  private last: MediaPlaylistText | undefined;
  /** Segments seen, by sequence number: how listed, and their TS counters at start and end. */
  private readonly seen = new Map<number, { segment: ListedSegment; first: Map<number, number>; last: Map<number, number> }>();
  reloads = 0;

  constructor(private readonly options: { waitKeyframe: boolean; video: boolean }) {}

  /** Fetches the media playlist at `url`, checks it, and checks each segment it lists for the first time. */
  async reload(url: string): Promise<MediaPlaylistText> {
    const response = await fetch(url);
    assert.equal(response.status, 200, `${url}: ${response.status}`);
    const playlist = parseMediaPlaylist(await response.text());
    this.checkPlaylist(playlist);
    for (const segment of playlist.segments) {
      if (!this.seen.has(segment.seq)) await this.checkSegment(new URL(segment.uri, url), segment);
    }
    this.last = playlist;
    this.reloads++;
    return playlist;
  }

  /** Reloads about once a second (as a player does) until `done` says so. */
  async reloadUntil(url: string, done: (playlist: MediaPlaylistText) => boolean, timeoutMs = 60_000): Promise<MediaPlaylistText> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const playlist = await this.reload(url);
      if (done(playlist)) return playlist;
      if (Date.now() > deadline) throw new Error(`gave up after ${this.reloads} reloads; last playlist lists ${playlist.segments.map((s) => s.seq).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** Segments checked so far. */
  get segments(): ListedSegment[] {
    return [...this.seen.values()].map((s) => s.segment);
  }

  private checkPlaylist(playlist: MediaPlaylistText): void {
    for (const s of playlist.segments) {
      assert.ok(Math.round(s.duration) <= playlist.targetDuration, `EXTINF ${s.duration} of ${s.uri} exceeds target ${playlist.targetDuration}`);
    }
    const first = playlist.segments[0];
    if (first?.seq === 0) assert.equal(first.discontinuity, false, 'no discontinuity before the first segment of a new stream');
    const last = this.last;
    if (!last) return;
    assert.equal(playlist.targetDuration, last.targetDuration, 'EXT-X-TARGETDURATION never changes');
    assert.ok(playlist.mediaSequence >= last.mediaSequence, 'media sequence never goes back');
    const left = last.segments.filter((s) => s.seq < playlist.mediaSequence && s.discontinuity).length;
    assert.equal(playlist.discontinuitySequence, last.discontinuitySequence + left, 'discontinuity sequence counts the discontinuities that left');
    for (const s of playlist.segments) {
      const before = this.seen.get(s.seq)?.segment;
      if (before) assert.deepEqual(s, before, `segment ${s.seq} is listed the same on every reload`);
    }
  }

  private async checkSegment(url: URL, segment: ListedSegment): Promise<void> {
    const response = await fetch(url);
    assert.equal(response.status, 200, `${url}: ${response.status}`);
    const data = Buffer.from(await response.arrayBuffer());
    const counters = readCounters(data, url.pathname);
    this.seen.set(segment.seq, { segment, ...counters });
    const previous = this.seen.get(segment.seq - 1);
    if (previous && !segment.discontinuity) {
      for (const [pid, cc] of counters.first) {
        const before = previous.last.get(pid);
        if (before !== undefined) assert.equal(cc, (before + 1) & 0x0f, `${url.pathname}: continuity counter on PID ${pid} follows segment ${segment.seq - 1}`);
      }
    }
    if (!this.options.video) return;
    const stdout = await firstVideoPacketFlags(data);
    assert.notEqual(stdout.trim(), '', `${url.pathname} has video`);
    if (this.options.waitKeyframe) assert.match(stdout.trim(), /^K/, `${url.pathname} starts with a keyframe`);
  }
}

/** ffprobe's flags of the first video packet, on the bytes fetched (the server may delete the file soon after). */
async function firstVideoPacketFlags(segment: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-segment-'));
  try {
    const file = join(dir, 'segment.ts');
    await writeFile(file, segment);
    const args = ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file];
    return (await run('ffprobe', args)).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads every TS packet: sync, size, and the continuity counter of each PID from first to last. */
function readCounters(data: Buffer, name: string): { first: Map<number, number>; last: Map<number, number> } {
  assert.ok(data.length > 0 && data.length % 188 === 0, `${name}: whole 188-byte packets`);
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  for (let at = 0; at < data.length; at += 188) {
    assert.equal(data[at], 0x47, `${name}: sync byte at ${at}`);
    const pid = data.readUInt16BE(at + 1) & 0x1fff;
    const hasPayload = (data[at + 3]! & 0x10) !== 0;
    const cc = data[at + 3]! & 0x0f;
    if (!hasPayload) continue; // counters only move with a payload
    const before = last.get(pid);
    if (before === undefined) first.set(pid, cc);
    else assert.equal(cc, (before + 1) & 0x0f, `${name}: continuity counter on PID ${pid} at byte ${at}`);
    last.set(pid, cc);
  }
  return { first, last };
}

/** The stream types a segment's PMT lists (PAT first, as every segment starts). */
export function readTsStreamTypes(data: Buffer): number[] {
  const pmtPid = data.readUInt16BE(4 + 1 + 10) & 0x1fff;
  for (let at = 0; at < data.length; at += 188) {
    if ((data.readUInt16BE(at + 1) & 0x1fff) !== pmtPid) continue;
    const section = at + 5 + data[at + 4]!;
    const end = section + 3 + (data.readUInt16BE(section + 1) & 0x0fff) - 4;
    const types: number[] = [];
    for (let i = section + 12 + (data.readUInt16BE(section + 10) & 0x0fff); i < end; i += 5 + (data.readUInt16BE(i + 3) & 0x0fff)) types.push(data[i]!);
    return types;
  }
  throw new assert.AssertionError({ message: 'no PMT in the segment' });
}
