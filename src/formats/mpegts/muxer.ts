import {
  PID_AUDIO,
  PID_PAT,
  PID_PMT,
  PID_VIDEO,
  STREAM_ID_AUDIO,
  STREAM_ID_VIDEO,
  STREAM_TYPE_AAC,
  STREAM_TYPE_H264,
  STREAM_TYPE_HEVC,
  STREAM_TYPE_MPEG1_AUDIO,
  STREAM_TYPE_MPEG2_AUDIO,
  TIMESTAMP_WRAP,
} from './constants.js';
import { packetizePes } from './pes.js';
import { patPacket, pmtPacket, type PmtStream } from './psi.js';
import { TsBuffer } from './ts-buffer.js';

export type TsVideoCodec = 'H264' | 'HEVC';
/** AAC (as ADTS), or MP3 frames as MPEG-1 or MPEG-2 (lower sample rates) audio. */
export type TsAudioCodec = 'AAC' | 'MPEG1-AUDIO' | 'MPEG2-AUDIO';

const AUDIO_STREAM_TYPES: Record<TsAudioCodec, number> = {
  AAC: STREAM_TYPE_AAC,
  'MPEG1-AUDIO': STREAM_TYPE_MPEG1_AUDIO,
  'MPEG2-AUDIO': STREAM_TYPE_MPEG2_AUDIO,
};

/** The elementary streams of one transport stream. */
export interface TsTracks {
  video?: TsVideoCodec;
  audio?: TsAudioCodec;
}

/** Continuity counters by PID, shared by the segments of one stream so that they run on across them. */
export type ContinuityCounters = Map<number, number>;

/**
 * Writes one transport stream: PAT/PMT, then video and audio PES packets with continuity
 * counters per PID. The PCR rides on the video PID, or on the audio PID when there is no video.
 * Takes Annex B video and ADTS or MPEG audio as chunk lists; timestamps are 90 kHz ticks.
 * Packets go at the end of `out` when given (a segment being written), else into a new buffer;
 * either way the packets written are returned, as a view valid until `out` is written again.
 */
export class TsMuxer {
  private readonly pcrPid: number;

  /**
   * @param counters continuity counters, shared with the stream's earlier segments
   * @param pmtVersion PMT version_number: the writer moves it on when the tracks change
   */
  constructor(
    readonly tracks: TsTracks,
    private readonly counters: ContinuityCounters = new Map(),
    private readonly pmtVersion = 0,
  ) {
    this.pcrPid = tracks.video ? PID_VIDEO : PID_AUDIO;
  }

  /** PAT and PMT, written at the start of every segment so each one plays on its own. */
  tables(): Buffer[] {
    const streams: PmtStream[] = [];
    if (this.tracks.video) {
      streams.push({ pid: PID_VIDEO, streamType: this.tracks.video === 'H264' ? STREAM_TYPE_H264 : STREAM_TYPE_HEVC });
    }
    if (this.tracks.audio) streams.push({ pid: PID_AUDIO, streamType: AUDIO_STREAM_TYPES[this.tracks.audio] });
    return [patPacket(this.advance(PID_PAT, 1)), pmtPacket(this.advance(PID_PMT, 1), this.pcrPid, streams, this.pmtVersion)];
  }

  video(annexB: readonly Buffer[], dts: number, pts: number, keyframe: boolean, out = new TsBuffer()): Buffer {
    return this.pes(PID_VIDEO, STREAM_ID_VIDEO, annexB, dts, pts, keyframe, out);
  }

  audio(frames: readonly Buffer[], pts: number, out = new TsBuffer()): Buffer {
    return this.pes(PID_AUDIO, STREAM_ID_AUDIO, frames, pts, pts, false, out);
  }

  private pes(pid: number, streamId: number, payload: readonly Buffer[], dts: number, pts: number, keyframe: boolean, out: TsBuffer): Buffer {
    const wrappedDts = wrap(dts);
    const start = out.length;
    const packets = packetizePes(
      {
        pid,
        streamId,
        cc: this.counters.get(pid) ?? 0,
        pts: wrap(pts),
        dts: wrappedDts,
        pcr: pid === this.pcrPid ? wrappedDts : undefined,
        randomAccess: keyframe,
        unbounded: pid === PID_VIDEO,
      },
      payload,
      out,
    );
    this.advance(pid, packets);
    return out.buffer.subarray(start, out.length);
  }

  /** Returns the PID's current counter and moves it on by `packets`. */
  private advance(pid: number, packets: number): number {
    const cc = this.counters.get(pid) ?? 0;
    this.counters.set(pid, (cc + packets) & 0x0f);
    return cc;
  }
}

function wrap(ticks: number): number {
  const t = Math.round(ticks) % TIMESTAMP_WRAP;
  return t < 0 ? t + TIMESTAMP_WRAP : t;
}
