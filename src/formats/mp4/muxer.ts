import { PacketType, readAudioTagHeader, readVideoTagHeader, type TagHeader } from '../../codecs/inspect.js';
import type { MediaFrame } from '../../media/frame.js';
import { fragment } from './fragment.js';
import { initSegment } from './init-segment.js';
import { TrackTimeline } from './timeline.js';
import type { Mp4Track } from './track.js';
import { aacFrameLength } from './tracks.js';

// A fragment ends at each video keyframe (one per GOP), or after this much media at the latest,
// so a crash loses at most that much.
const MAX_FRAGMENT_MS = 2000;
const MAX_AUDIO_ONLY_FRAGMENT_MS = 1000;

/**
 * Turns FLV-layout frames into a fragmented MP4: `init()` once, then bytes from `push` whenever a
 * fragment is complete, and the last fragment from `end()`. Each returned buffer is whole boxes.
 */
export class Mp4Muxer {
  private readonly video: TrackTimeline | undefined;
  private readonly audio: TrackTimeline | undefined;
  private readonly maxFragmentMs: number;
  private sequence = 0;
  private fragmentStartMs: number | undefined;

  constructor(private readonly tracks: Mp4Track[]) {
    const video = tracks.find((t) => t.kind === 'video');
    const audio = tracks.find((t) => t.kind === 'audio');
    this.video = video && new TrackTimeline(video);
    this.audio = audio && new TrackTimeline(audio, aacFrameLength(audio));
    this.maxFragmentMs = video ? MAX_FRAGMENT_MS : MAX_AUDIO_ONLY_FRAGMENT_MS;
  }

  get hasVideo(): boolean {
    return this.video !== undefined;
  }

  get hasAudio(): boolean {
    return this.audio !== undefined;
  }

  init(): Buffer {
    return initSegment(this.tracks);
  }

  /** Adds a coded frame stamped `ms` from the file's start; returns a finished fragment, if any. */
  push(frame: MediaFrame, ms: number): Buffer | undefined {
    const timeline = frame.kind === 'video' ? this.video : frame.kind === 'audio' ? this.audio : undefined;
    const header = timeline && codedHeader(frame);
    if (!timeline || !header) return undefined;
    const cut = frame.keyframe || (this.fragmentStartMs !== undefined && ms - this.fragmentStartMs >= this.maxFragmentMs);
    const dts = timeline.settle(ms);
    const out = cut ? this.flush() : undefined;
    this.fragmentStartMs ??= ms;
    const sync = frame.keyframe || frame.kind === 'audio';
    timeline.hold(dts, frame.body.subarray(header.payloadOffset), compositionTime(frame.body, header), sync);
    return out;
  }

  /** The last fragment, with the newest samples given their predecessor's duration. */
  end(): Buffer | undefined {
    this.video?.finish();
    this.audio?.finish();
    return this.flush();
  }

  private flush(): Buffer | undefined {
    const timelines = [this.video, this.audio].filter((t): t is TrackTimeline => t !== undefined && t.hasSamples);
    if (timelines.length === 0) return undefined;
    this.fragmentStartMs = undefined;
    return fragment(++this.sequence, timelines.map((t) => t.take()));
  }
}

/** The tag header of a frame carrying coded media; undefined for anything else. */
function codedHeader(frame: MediaFrame): TagHeader | undefined {
  if (frame.sequenceHeader) return undefined;
  try {
    const header = frame.kind === 'video' ? readVideoTagHeader(frame.body) : readAudioTagHeader(frame.body);
    const coded = header.packetType === PacketType.CodedFrames || (frame.kind === 'video' && header.packetType === PacketType.CodedFramesX);
    return coded ? header : undefined;
  } catch {
    return undefined; // a truncated tag carries no sample
  }
}

/** H.264/HEVC CompositionTime: the signed 24 bits just before the NAL units (none in CodedFramesX). */
function compositionTime(body: Buffer, header: TagHeader): number {
  const hasCts = header.packetType === PacketType.CodedFrames && (header.codec === 'H264' || header.codec === 'HEVC');
  return hasCts && header.payloadOffset >= 3 ? body.readIntBE(header.payloadOffset - 3, 3) : 0;
}
