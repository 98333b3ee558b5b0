import type { Reader } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import { dataMessage, onStatus, streamBegin } from '../../protocols/rtmp/messages.js';
import type { RtmpConnection } from './rtmp-connection.js';

/** An admitted RTMP play: the player's reader on its stream, and the controls a player has. */
export class RtmpPlayback {
  constructor(
    private readonly stream: Stream,
    private readonly reader: Reader,
    private readonly connection: RtmpConnection,
    private readonly streamId: number,
  ) {}

  /** Tells the player that playback starts (as SRS and FMS do), then attaches it to the stream. */
  start(name: string): void {
    const id = this.streamId;
    this.connection.send(streamBegin(id));
    this.connection.send(onStatus(id, 'status', 'NetStream.Play.Reset', `Playing and resetting ${name}.`));
    this.connection.send(onStatus(id, 'status', 'NetStream.Play.Start', `Started playing ${name}.`));
    this.connection.send(dataMessage(id, '|RtmpSampleAccess', true, true));
    this.stream.addReader(this.reader);
  }

  /** `receiveAudio` / `receiveVideo`. */
  receive(kind: 'audio' | 'video', enabled: boolean): void {
    if (kind === 'audio') this.reader.audioEnabled = enabled;
    else this.reader.videoEnabled = enabled;
  }

  /** `pause`: detaches from the stream; unpausing starts again from the GOP cache. */
  pause(paused: boolean): void {
    if (paused) {
      this.stream.removeReader(this.reader);
      this.connection.send(onStatus(this.streamId, 'status', 'NetStream.Pause.Notify', 'Paused.'));
    } else {
      this.reader.resync();
      this.stream.addReader(this.reader);
      this.connection.send(onStatus(this.streamId, 'status', 'NetStream.Unpause.Notify', 'Unpaused.'));
    }
  }

  stop(): void {
    this.stream.removeReader(this.reader);
  }
}
