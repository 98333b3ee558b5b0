import { decodeRtp } from '../../protocols/rtp/packet.js';
import { decodeSenderReports } from '../../protocols/rtp/rtcp.js';
import { RtpReorder } from '../../protocols/rtp/reorder.js';
import type { MediaDescription } from '../../protocols/rtsp/sdp.js';
import type { TransportSpec } from '../../protocols/rtsp/transport.js';
import type { MediaFrame } from '../../media/frame.js';
import { ProtocolError } from '../../util/errors.js';
import { MediaClock, type TrackClock } from './media-clock.js';
import { recordTrack, type RecordTrack } from './record-tracks.js';

interface Announced {
  media: MediaDescription;
  /** Undefined for a codec Sluice does not take: its packets are dropped. */
  track: RecordTrack | undefined;
  clock: TrackClock | undefined;
  reorder: RtpReorder;
  transport?: TransportSpec;
}

/**
 * A publisher's announced tracks: RTP in (interleaved or UDP), hub frames out. Packets are put
 * back in order, depacketized per codec and stamped on the hub's clock; sender reports align
 * the tracks. Damaged packets are counted and dropped, never fatal.
 */
export class RtspRecorder {
  readonly tracks: Announced[];
  private readonly clock = new MediaClock();
  damage = 0;
  lastDamage = '';

  constructor(
    media: readonly MediaDescription[],
    private readonly emit: (frame: MediaFrame) => void,
  ) {
    this.tracks = media.map((description) => {
      const track = recordTrack(description);
      return { media: description, track, clock: track ? this.clock.track(track.clockRate) : undefined, reorder: new RtpReorder() };
    });
  }

  /** Announced media Sluice cannot take (their encodings), for the log. */
  get unsupported(): string[] {
    return this.tracks.filter((announced) => !announced.track).map(({ media }) => `${media.type}/${media.encoding || media.payloadType}`);
  }

  /** The track a SETUP URL's last segment names (its a=control), or the next one not yet set up. */
  trackFor(url: string): number {
    const found = this.tracks.findIndex(({ media }) => media.control !== '' && (url === media.control || url.endsWith(`/${media.control.replace(/^.*\//, '')}`)));
    return found >= 0 ? found : this.tracks.findIndex((announced) => !announced.transport);
  }

  /** The track whose RTP arrives on an interleaved channel (RTCP on the next one). */
  channelTrack(channel: number): { index: number; rtcp: boolean } | undefined {
    const index = this.tracks.findIndex(({ transport }) => transport?.protocol === 'tcp' && (channel === transport.channels[0] || channel === transport.channels[1]));
    if (index < 0) return undefined;
    const transport = this.tracks[index]!.transport as Extract<TransportSpec, { protocol: 'tcp' }>;
    return { index, rtcp: channel === transport.channels[1] };
  }

  receive(index: number, data: Buffer, rtcp: boolean): void {
    const announced = this.tracks[index];
    if (!announced?.track || !announced.clock) return;
    try {
      if (rtcp) {
        for (const report of decodeSenderReports(data)) announced.clock.senderReport(report);
        return;
      }
      const packet = decodeRtp(data);
      if (packet.payloadType !== announced.media.payloadType) return;
      const clock = announced.clock;
      for (const { packet: ordered, gap } of announced.reorder.push(packet)) {
        for (const frame of announced.track.frames(ordered, gap, (rtp) => clock.toMs(rtp))) this.emit(frame);
      }
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.damage++;
      this.lastDamage = error.message;
    }
  }
}
