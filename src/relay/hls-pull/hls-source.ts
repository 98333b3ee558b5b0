import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import { TsDemuxer } from '../../formats/mpegts/demuxer.js';
import type { MediaFrame } from '../../media/frame.js';
import { RelayError } from '../errors.js';
import type { PullSource, SourceOptions } from '../pull-sources.js';
import { redactUrl } from '../rtmp-client/rtmp-url.js';
import { parsePlaylist, type MediaPlaylist, type PlaylistSegment } from './playlist.js';

const MAX_PLAYLIST_BYTES = 1024 * 1024;
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
// A live playlist is joined this many segments from its end (RFC 8216 6.3.3).
const JOIN_SEGMENTS = 3;
// Segments that fail in a row before the source is given up (and opened again with backoff).
const MAX_SEGMENT_FAILURES = 3;
// Added between the last frame before a break (discontinuity, lost segments) and the first after it, ms.
const BREAK_GAP_MS = 40;
// A frame this late is not caught up on: the pace starts again from it.
const MAX_LATE_MS = 2000;

export interface HlsSourceOptions extends SourceOptions {
  /** Damage worked around: a segment lost, skipped or undecodable. */
  warn: (message: string) => void;
}

interface Paced {
  at: number;
  frame: MediaFrame;
}

/**
 * Plays an HLS stream (a media playlist, or the highest variant of a master playlist): the
 * playlist is reloaded as it grows, its MPEG-TS segments fetched in order and demuxed, and the
 * frames handed over at real-time pace on one timeline that runs on over discontinuities and
 * lost segments. Resolves once the first playlist has loaded.
 */
export async function openHlsSource(url: string, options: HlsSourceOptions): Promise<PullSource> {
  // Required by name, as the callback transport does, so the bundled server loads the HTTP client only when used.
  const { Agent, request } = createRequire(import.meta.url)('undici') as typeof Undici;
  const agent = new Agent({ connect: { timeout: options.stepTimeoutMs, ...(options.ca ? { ca: options.ca } : {}) } });
  const source = new HlsSource(url, options, { agent, request });
  try {
    await source.open();
  } catch (error) {
    source.close();
    throw error;
  }
  return source;
}

class HlsSource implements PullSource {
  onFrame: (frame: MediaFrame) => void = () => {};
  onEnd: (error: Error) => void = () => {};
  private received = 0;
  private closed = false;
  private readonly abort = new AbortController();
  private mediaUrl = '';
  private first: MediaPlaylist | undefined;
  private demuxer: TsDemuxer | undefined;
  private offset = 0;
  private lastOut = -BREAK_GAP_MS;
  private readonly queue: Paced[] = [];
  private readonly configs: { audio?: Buffer; video?: Buffer } = {};
  private readonly lastOf: { audio?: number; video?: number } = {};
  private startedAt = 0;
  private pumpTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly options: HlsSourceOptions,
    private readonly http: { agent: Undici.Agent; request: typeof Undici.request },
  ) {}

  bytesReceived(): number {
    return this.received;
  }

  close(): void {
    this.end(new RelayError('closed'));
  }

  async open(): Promise<void> {
    let playlist = parsePlaylist((await this.get(this.url, MAX_PLAYLIST_BYTES)).toString('utf8'), this.url);
    this.mediaUrl = this.url;
    if (playlist.kind === 'master') {
      this.mediaUrl = playlist.variants[0]!.url;
      playlist = parsePlaylist((await this.get(this.mediaUrl, MAX_PLAYLIST_BYTES)).toString('utf8'), this.mediaUrl);
      if (playlist.kind !== 'media') throw new RelayError(`${redactUrl(this.mediaUrl)} is a master playlist inside a master playlist`);
    }
    this.first = playlist;
    this.run().then(
      () => this.end(new RelayError('the playlist ended')),
      (error: Error) => this.end(error instanceof RelayError ? error : new RelayError(error.message, { cause: error })),
    );
  }

  private async run(): Promise<void> {
    let playlist = this.first!;
    let next: number | undefined;
    let failures = 0;
    let lastSeen = '';
    for (;;) {
      const { segments } = playlist;
      const last = segments.at(-1)?.sequence ?? -1;
      // First load, or the origin started over with lower numbers: join near the live edge.
      let broken = next === undefined || last < next - 1;
      if (broken) next = segments[playlist.ended ? 0 : Math.max(0, segments.length - JOIN_SEGMENTS)]?.sequence ?? 0;
      // Fallen behind: the segments we wanted are gone from the playlist.
      if (segments.length > 0 && segments[0]!.sequence > next!) {
        this.options.warn(`segments ${next}-${segments[0]!.sequence - 1} left the playlist before they were fetched`);
        broken = true;
        next = segments[0]!.sequence;
      }
      for (const segment of segments.filter((s) => s.sequence >= next!)) {
        await this.waitForRoom(playlist.targetDurationSec);
        if (this.closed) return;
        const ok = await this.fetchSegment(segment, broken || segment.discontinuity);
        next = segment.sequence + 1;
        broken = !ok;
        failures = ok ? 0 : failures + 1;
        if (failures >= MAX_SEGMENT_FAILURES) throw new RelayError(`${failures} segments in a row failed`);
      }
      if (playlist.ended) {
        this.demuxer?.end();
        await this.waitForRoom(0);
        return;
      }
      const seen = `${segments[0]?.sequence}:${last}`;
      // An unchanged playlist is asked again after half a target duration (RFC 8216 6.3.4).
      await this.sleep((seen === lastSeen ? 500 : 1000) * playlist.targetDurationSec);
      lastSeen = seen;
      if (this.closed) return;
      const reloaded = parsePlaylist((await this.get(this.mediaUrl, MAX_PLAYLIST_BYTES)).toString('utf8'), this.mediaUrl);
      if (reloaded.kind !== 'media') throw new RelayError(`${redactUrl(this.mediaUrl)} became a master playlist`);
      playlist = reloaded;
    }
  }

  /** Fetches and demuxes one segment; false when it failed (the next one starts a new timeline). */
  private async fetchSegment(segment: PlaylistSegment, newTimeline: boolean): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await this.get(segment.url, MAX_SEGMENT_BYTES);
    } catch (error) {
      if (this.closed) return false;
      this.options.warn(`segment ${segment.sequence} skipped: ${(error as Error).message}`);
      return false;
    }
    if (newTimeline || !this.demuxer) this.newTimeline();
    try {
      this.demuxer!.push(bytes);
      return true;
    } catch (error) {
      this.options.warn(`segment ${segment.sequence} skipped: ${(error as Error).message}`);
      this.demuxer = undefined;
      return false;
    }
  }

  /** A new demuxer whose timestamps go on from the last frame handed over. */
  private newTimeline(): void {
    this.demuxer?.end();
    this.offset = this.lastOut + BREAK_GAP_MS;
    this.demuxer = new TsDemuxer({
      onFrame: (frame) => this.enqueue(frame),
      onWarning: (message) => this.options.warn(message),
    });
  }

  private enqueue(frame: MediaFrame): void {
    // Each new timeline's demuxer announces the codec configs again: pass them on only when they changed.
    if (frame.sequenceHeader && frame.kind !== 'data') {
      if (this.configs[frame.kind]?.equals(frame.body)) return;
      this.configs[frame.kind] = frame.body;
    }
    const at = this.offset + frame.timestamp;
    // The demuxer clamps frames from before a timeline's first timestamp to its start: keep one.
    if (!frame.sequenceHeader && frame.kind !== 'data') {
      if (at <= (this.lastOf[frame.kind] ?? -1)) return;
      this.lastOf[frame.kind] = at;
    }
    this.lastOut = Math.max(this.lastOut, at);
    this.queue.push({ at, frame: { ...frame, timestamp: at } });
    if (this.queue.length === 1) this.pump();
  }

  /** Hands over every frame whose time has come, then waits for the next. */
  private pump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const now = performance.now();
    if (this.startedAt === 0 && this.queue.length > 0) this.startedAt = now - this.queue[0]!.at;
    while (!this.closed && this.queue.length > 0) {
      const due = this.startedAt + this.queue[0]!.at;
      if (due - now > 0) {
        this.pumpTimer = setTimeout(() => this.pump(), due - now);
        return;
      }
      if (now - due > MAX_LATE_MS) this.startedAt = now - this.queue[0]!.at;
      this.onFrame(this.queue.shift()!.frame);
    }
  }

  /** Waits while more than `segments` target durations of media wait to be handed over. */
  private async waitForRoom(segments: number): Promise<void> {
    const ahead = (): number => (this.queue.at(-1)?.at ?? 0) - (performance.now() - this.startedAt);
    while (!this.closed && this.queue.length > 0 && ahead() > segments * 1000) await this.sleep(200);
  }

  private async get(url: string, limit: number): Promise<Buffer> {
    const shown = redactUrl(url);
    let response: Undici.Dispatcher.ResponseData;
    try {
      response = await this.http.request(url, {
        dispatcher: this.http.agent,
        signal: this.abort.signal,
        headersTimeout: this.options.stepTimeoutMs,
        bodyTimeout: this.options.stepTimeoutMs,
        maxRedirections: 3,
      });
    } catch (error) {
      throw new RelayError(`${shown}: ${describe(error)}`, { cause: error });
    }
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => {});
      throw new RelayError(`${shown} answered ${response.statusCode}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        this.received += chunk.length;
        if (size > limit) {
          response.body.destroy();
          throw new RelayError(`${shown} is larger than ${limit} bytes`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof RelayError) throw error;
      throw new RelayError(`${shown}: ${describe(error)}`, { cause: error });
    }
    return Buffer.concat(chunks);
  }

  private sleep(ms: number): Promise<void> {
    const { signal } = this.abort;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private end(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.pumpTimer);
    this.abort.abort();
    void this.http.agent.destroy().catch(() => {});
    this.onEnd(error);
  }
}

function describe(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.code ?? err.cause?.message ?? err.message ?? String(error);
}
