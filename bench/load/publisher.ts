// Publishes FLV tags at real-time pace and remembers when each video frame left.
import type { FlvTag } from '../../src/formats/flv/index.js';
import { MessageType, commandMessage, decodeCommand, encodeAmf0, type RtmpMessage } from '../../src/protocols/rtmp/index.js';
import { RtmpClient } from './rtmp-client.js';
import type { MeasureWindow } from './window.js';

const CHUNK_STREAM: Record<number, number> = { [MessageType.Audio]: 4, [MessageType.Video]: 6, [MessageType.DataAmf0]: 5 };
const SET_DATA_FRAME = encodeAmf0('@setDataFrame');
/** Tags sent per timer tick at most; the pace is set by timestamps, this only bounds a tick. */
const MAX_TAGS_PER_TICK = 500;
const PUBLISH_TIMEOUT_MS = 10_000;

/** Metadata and AVC/AAC sequence headers: sent once, not again when the file loops. */
function isHeader(tag: FlvTag): boolean {
  if (tag.type === MessageType.DataAmf0) return true;
  return (tag.type === MessageType.Audio || tag.type === MessageType.Video) && tag.body[1] === 0;
}

export class Publisher {
  /** When (performance.now) each video frame was written to the socket, by RTMP timestamp. */
  readonly sentAt = new Map<number, number>();
  /** Audio and video payload bytes sent within the window. */
  bytesInWindow = 0;
  /** Video frames sent within [window.start, window.cutoff]: what each player should receive. */
  framesExpected = 0;
  private client: RtmpClient | undefined;
  private streamId = 0;
  private timer: NodeJS.Timeout | undefined;
  private startTime = 0;
  private index = 0;
  /** Added to file timestamps so they keep rising when the file loops. */
  private loopOffset = 0;

  constructor(
    private readonly port: number,
    private readonly tags: readonly FlvTag[],
    private readonly window: MeasureWindow,
  ) {
    if (tags.length === 0) throw new Error('no tags to publish');
  }

  /** Connects, publishes `app/stream` and starts sending. */
  async start(app: string, stream: string): Promise<void> {
    const client = new RtmpClient(this.port);
    this.client = client;
    this.streamId = await client.open(app);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no NetStream.Publish.Start')), PUBLISH_TIMEOUT_MS);
      client.onMessage = (msg) => {
        if (msg.type !== MessageType.CommandAmf0) return;
        const info = decodeCommand(msg).args[0] as { code?: string } | undefined;
        if (info?.code === 'NetStream.Publish.Start') {
          clearTimeout(timer);
          resolve();
        } else if (info?.code) {
          clearTimeout(timer);
          reject(new Error(`publish refused: ${info.code}`));
        }
      };
      client.send(commandMessage(this.streamId, 'publish', 0, null, stream, 'live'));
    });
    client.onMessage = () => {};
    this.startTime = performance.now();
    this.tick();
  }

  get isClosed(): boolean {
    return this.client?.isClosed ?? true;
  }

  private tick(): void {
    const elapsed = performance.now() - this.startTime;
    for (let sent = 0; sent < MAX_TAGS_PER_TICK; sent++) {
      const tag = this.tags[this.index]!;
      const timestamp = tag.timestamp + this.loopOffset;
      if (timestamp > elapsed) break;
      if (this.loopOffset === 0 || !isHeader(tag)) this.send(tag, timestamp);
      this.advance();
    }
    const next = this.tags[this.index]!.timestamp + this.loopOffset;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - (performance.now() - this.startTime)));
  }

  private advance(): void {
    this.index++;
    if (this.index < this.tags.length) return;
    // Loop: continue one frame interval (40 ms) after the last tag.
    this.loopOffset += this.tags[this.tags.length - 1]!.timestamp + 40;
    this.index = 0;
  }

  private send(tag: FlvTag, timestamp: number): void {
    const chunkStreamId = CHUNK_STREAM[tag.type];
    if (chunkStreamId === undefined) return;
    const payload = tag.type === MessageType.DataAmf0 ? Buffer.concat([SET_DATA_FRAME, tag.body]) : tag.body;
    const msg: RtmpMessage = { type: tag.type, streamId: this.streamId, timestamp, chunkStreamId, payload };
    this.client!.send(msg);
    const now = performance.now();
    if (this.window.contains(now) && tag.type !== MessageType.DataAmf0) this.bytesInWindow += payload.length;
    if (tag.type === MessageType.Video && !isHeader(tag)) {
      this.sentAt.set(timestamp, now);
      if (this.window.expects(now)) this.framesExpected++;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.client?.close();
  }
}
