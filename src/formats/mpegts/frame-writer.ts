import { adtsHeader, readAdtsConfig, type AdtsConfig } from '../../codecs/adts.js';
import { annexBAccessUnit, readAvcNalConfig, readHevcNalConfig, type NalConfig } from '../../codecs/annexb.js';
import { PacketType, readAudioTagHeader, readVideoTagHeader } from '../../codecs/inspect.js';
import { readMpegAudioHeader } from '../../codecs/mp3.js';
import type { MediaFrame } from '../../media/frame.js';
import { TsMuxer, type ContinuityCounters, type TsAudioCodec, type TsTracks } from './muxer.js';
import type { TsBuffer } from './ts-buffer.js';

const TICKS_PER_MS = 90;

type AudioConfig = { codec: 'AAC'; adts: AdtsConfig } | { codec: Exclude<TsAudioCodec, 'AAC'> };

/** What `configure` learned: the frame's codec, and whether MPEG-TS carries it. */
export interface TrackSupport {
  codec: string;
  carried: boolean;
}

/**
 * Turns hub frames (FLV tag bodies) into MPEG-TS: remembers the codec configuration from the
 * sequence headers (and from MP3 frames, which have none), and writes H.264/H.265 as Annex B,
 * AAC as ADTS and MP3 as it comes. Other codecs are left out (`tracks` tells which are carried).
 * Continuity counters run on from one `start` to the next. Malformed frames throw ProtocolError.
 */
export class TsFrameWriter {
  private videoConfig: NalConfig | undefined;
  private audioConfig: AudioConfig | undefined;
  private muxer: TsMuxer | undefined;
  private readonly counters: ContinuityCounters = new Map();
  private pmtVersion = 0;
  /** Asked for every frame (where to cut a segment): made again only when a configuration comes. */
  private configured: Readonly<TsTracks> = {};

  /** The tracks whose configuration has been seen, which the next `start` will list. */
  get tracks(): Readonly<TsTracks> {
    return this.configured;
  }

  /** True when the configured tracks differ from those of the stream being written. */
  get tracksChanged(): boolean {
    const now = this.configured;
    const current = this.muxer?.tracks;
    return now.video !== current?.video || now.audio !== current?.audio;
  }

  /** Starts a new transport stream (a segment): returns its PAT and PMT. */
  start(): Buffer[] {
    // Continuous counters make the segments one transport stream, whose PMT changes show in its version.
    if (this.muxer && this.tracksChanged) this.pmtVersion = (this.pmtVersion + 1) & 0x1f;
    this.muxer = new TsMuxer(this.configured, this.counters, this.pmtVersion);
    return this.muxer.tables();
  }

  /**
   * Learns a track's configuration from a sequence header, or from an MP3 frame. Says which
   * codec the frame is and whether it is carried; other frames change nothing.
   */
  configure(frame: MediaFrame): TrackSupport {
    if (frame.kind === 'video') {
      const header = readVideoTagHeader(frame.body);
      const record = frame.body.subarray(header.payloadOffset);
      if (header.codec === 'H264' && header.sequenceHeader) this.videoConfig = readAvcNalConfig(record);
      else if (header.codec === 'HEVC' && header.sequenceHeader) this.videoConfig = readHevcNalConfig(record);
      this.noteTracks();
      return { codec: header.codec, carried: header.codec === 'H264' || header.codec === 'HEVC' };
    }
    const header = readAudioTagHeader(frame.body);
    const payload = frame.body.subarray(header.payloadOffset);
    if (header.codec === 'AAC' && header.packetType === PacketType.SequenceStart) {
      this.audioConfig = { codec: 'AAC', adts: readAdtsConfig(payload) };
    } else if (header.codec === 'MP3' && header.packetType === PacketType.CodedFrames) {
      const { version } = readMpegAudioHeader(payload);
      this.audioConfig = { codec: version === 1 ? 'MPEG1-AUDIO' : 'MPEG2-AUDIO' };
    }
    this.noteTracks();
    return { codec: header.codec, carried: header.codec === 'AAC' || header.codec === 'MP3' };
  }

  private noteTracks(): void {
    const video = this.videoConfig?.codec;
    const audio = this.audioConfig?.codec;
    if (video === this.configured.video && audio === this.configured.audio) return;
    const tracks: TsTracks = {};
    if (video) tracks.video = video;
    if (audio) tracks.audio = audio;
    this.configured = tracks;
  }

  /**
   * Encodes one coded frame into the current stream; undefined when its track is not carried
   * (unknown codec, no configuration yet, or not in this segment's PMT). With `out`, the packets
   * are written at its end and the view returned is valid until it is written again.
   */
  encode(frame: MediaFrame, out?: TsBuffer): Buffer | undefined {
    const muxer = this.muxer;
    if (!muxer) return undefined;
    const dts = frame.timestamp * TICKS_PER_MS;
    if (frame.kind === 'video') {
      const config = this.videoConfig;
      if (!config || muxer.tracks.video !== config.codec) return undefined;
      const header = readVideoTagHeader(frame.body);
      if (header.codec !== config.codec) return undefined;
      const coded = header.packetType === PacketType.CodedFrames || header.packetType === PacketType.CodedFramesX;
      if (!coded) return undefined;
      // Only CodedFrames carries a composition time offset, in the 3 bytes before the data.
      const cts = header.packetType === PacketType.CodedFrames ? frame.body.readIntBE(header.payloadOffset - 3, 3) : 0;
      const data = frame.body.subarray(header.payloadOffset);
      return muxer.video(annexBAccessUnit(config, data, frame.keyframe), dts, dts + cts * TICKS_PER_MS, frame.keyframe, out);
    }
    if (frame.kind === 'audio') {
      const config = this.audioConfig;
      if (!config || muxer.tracks.audio !== config.codec) return undefined;
      const header = readAudioTagHeader(frame.body);
      if (header.packetType !== PacketType.CodedFrames) return undefined;
      const raw = frame.body.subarray(header.payloadOffset);
      if (config.codec === 'AAC') return header.codec === 'AAC' ? muxer.audio([adtsHeader(config.adts, raw.length), raw], dts, out) : undefined;
      return header.codec === 'MP3' && raw.length > 0 ? muxer.audio([raw], dts, out) : undefined;
    }
    return undefined;
  }
}
