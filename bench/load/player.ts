// One RTMP player: plays a stream and counts what arrives; it decodes no media.
import { MessageType, commandMessage } from '../../src/protocols/rtmp/index.js';
import { RtmpClient } from './rtmp-client.js';
import type { MeasureWindow } from './window.js';

const FIRST_MEDIA_TIMEOUT_MS = 15_000;

export class Player {
  /** Audio and video payload bytes that arrived within the window. */
  bytesInWindow = 0;
  /** Video frames the window expects that arrived in time (matched by timestamp). */
  framesMatched = 0;
  /** Video frames that arrived within the window with a timestamp the publisher never sent. */
  framesUnmatched = 0;
  /** Video messages that arrived within the window. */
  framesInWindow = 0;
  /** Set when the connection ended before the bench closed it. */
  lost = false;
  /** When (performance.now) the connection ended, if lost. */
  lostAt = NaN;
  /** When the last audio or video message arrived. */
  lastMediaAt = -Infinity;
  /** The longest time within the window between two media messages (or the window's start and one). */
  private longestGap = 0;
  private readonly client: RtmpClient;
  private gotMedia: (() => void) | undefined;
  private stopping = false;

  constructor(
    port: number,
    private readonly window: MeasureWindow,
    private readonly sentAt: ReadonlyMap<number, number>,
  ) {
    this.client = new RtmpClient(port);
    this.client.onMedia = (type, timestamp, length, now) => this.onMedia(type, timestamp, length, now);
    this.client.onClose = () => {
      if (this.stopping) return;
      this.lost = true;
      this.lostAt = performance.now();
    };
  }

  /** Connects and plays; resolves when the first audio or video message arrives. */
  async start(app: string, stream: string): Promise<void> {
    const streamId = await this.client.open(app);
    const media = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no media after play')), FIRST_MEDIA_TIMEOUT_MS);
      this.gotMedia = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.client.send(commandMessage(streamId, 'play', 0, null, stream));
    await media;
  }

  private onMedia(type: number, timestamp: number, length: number, now: number): void {
    if (type !== MessageType.Audio && type !== MessageType.Video) return;
    this.gotMedia?.();
    this.gotMedia = undefined;
    const last = this.lastMediaAt;
    this.lastMediaAt = now;
    if (!this.window.contains(now)) return;
    this.longestGap = Math.max(this.longestGap, now - Math.max(last, this.window.start));
    this.bytesInWindow += length;
    if (type !== MessageType.Video) return;
    this.framesInWindow++;
    const sentAt = this.sentAt.get(timestamp);
    if (sentAt === undefined) this.framesUnmatched++;
    if (sentAt === undefined || !this.window.expects(sentAt)) return;
    this.framesMatched++;
    this.window.latency.add(now - sentAt);
  }

  /** The longest stretch in the window so far without media, counting the one still open at `now`. */
  longestGapMs(now: number): number {
    return Math.max(this.longestGap, now - Math.max(this.lastMediaAt, this.window.start));
  }

  stop(): void {
    this.stopping = true;
    this.client.close();
  }
}
