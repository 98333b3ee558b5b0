import { adtsHeader, readAdtsConfig, type AdtsConfig } from '../../codecs/adts.js';
import { annexBAccessUnit, readAvcNalConfig, readHevcNalConfig, type NalConfig } from '../../codecs/annexb.js';
import { PacketType, readAudioTagHeader, readVideoTagHeader } from '../../codecs/inspect.js';
import type { MediaFrame } from '../../media/frame.js';
import { TsMuxer, type TsTracks } from './muxer.js';

const TICKS_PER_MS = 90;

/**
 * Turns hub frames (FLV tag bodies) into MPEG-TS: remembers the codec configuration from the
 * sequence headers, and writes H.264/H.265 as Annex B and AAC as ADTS. Other codecs are left
 * out (`tracks` tells which are carried). Malformed frames throw ProtocolError.
 */
export class TsFrameWriter {
  private videoConfig: NalConfig | undefined;
  private audioConfig: AdtsConfig | undefined;
  private muxer: TsMuxer | undefined;

  /** The tracks whose configuration has been seen, which the next `start` will list. */
  get tracks(): TsTracks {
    const tracks: TsTracks = {};
    if (this.videoConfig) tracks.video = this.videoConfig.codec;
    if (this.audioConfig) tracks.audio = 'AAC';
    return tracks;
  }

  /** True when the configured tracks differ from those of the stream being written. */
  get tracksChanged(): boolean {
    const now = this.tracks;
    const current = this.muxer?.tracks ?? {};
    return now.video !== current.video || now.audio !== current.audio;
  }

  /** Starts a new transport stream (a segment): returns its PAT and PMT. */
  start(): Buffer[] {
    this.muxer = new TsMuxer(this.tracks);
    return this.muxer.tables();
  }

  /** Remembers a sequence header; returns false for a frame that is not one of ours. */
  configure(frame: MediaFrame): boolean {
    if (frame.kind === 'video') {
      const header = readVideoTagHeader(frame.body);
      const record = frame.body.subarray(header.payloadOffset);
      if (header.codec === 'H264') this.videoConfig = readAvcNalConfig(record);
      else if (header.codec === 'HEVC') this.videoConfig = readHevcNalConfig(record);
      else return false;
      return true;
    }
    if (frame.kind === 'audio') {
      const header = readAudioTagHeader(frame.body);
      if (header.codec !== 'AAC') return false;
      this.audioConfig = readAdtsConfig(frame.body.subarray(header.payloadOffset));
      return true;
    }
    return false;
  }

  /**
   * Encodes one coded frame into the current stream; undefined when its track is not carried
   * (unknown codec, no configuration yet, or not in this segment's PMT).
   */
  encode(frame: MediaFrame): Buffer | undefined {
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
      return muxer.video(annexBAccessUnit(config, data, frame.keyframe), dts, dts + cts * TICKS_PER_MS, frame.keyframe);
    }
    if (frame.kind === 'audio') {
      const config = this.audioConfig;
      if (!config || !muxer.tracks.audio) return undefined;
      const header = readAudioTagHeader(frame.body);
      if (header.codec !== 'AAC' || header.packetType !== PacketType.CodedFrames) return undefined;
      const raw = frame.body.subarray(header.payloadOffset);
      return muxer.audio([adtsHeader(config, raw.length), raw], dts);
    }
    return undefined;
  }
}
