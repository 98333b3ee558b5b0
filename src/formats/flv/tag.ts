import type { FrameKind, MediaFrame } from '../../media/frame.js';
import { ProtocolError } from '../../util/errors.js';
import { inspectAudio, inspectVideo } from '../../codecs/inspect.js';
import type { FlvTag } from './reader.js';

/** FLV TagType values (the low 5 bits of a tag's first byte). */
export const FLV_TAG_TYPE = { AUDIO: 8, VIDEO: 9, SCRIPT: 18 } as const;

export const FLV_TAG_HEADER_SIZE = 11;
const MAX_BODY_SIZE = 0xffffff; // DataSize is 24 bits

const TYPE_OF_KIND: Record<FrameKind, number> = {
  audio: FLV_TAG_TYPE.AUDIO,
  video: FLV_TAG_TYPE.VIDEO,
  data: FLV_TAG_TYPE.SCRIPT,
};

/**
 * Encodes a frame as an FLV tag followed by its PreviousTagSize, in one allocation.
 * Runs once per frame for every HTTP-FLV audience, hence the hand-written header.
 */
export function encodeFlvTag(frame: MediaFrame): Buffer {
  const size = frame.body.length;
  if (size > MAX_BODY_SIZE) throw new ProtocolError(`FLV tag body of ${size} bytes exceeds 24-bit size`);
  const tagSize = FLV_TAG_HEADER_SIZE + size;
  const out = Buffer.allocUnsafe(tagSize + 4);
  const ts = frame.timestamp >>> 0; // FLV time wraps at 2^32 ms
  out[0] = TYPE_OF_KIND[frame.kind];
  out[1] = size >>> 16;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  out[4] = (ts >>> 16) & 0xff;
  out[5] = (ts >>> 8) & 0xff;
  out[6] = ts & 0xff;
  out[7] = ts >>> 24; // TimestampExtended: the upper 8 bits
  out[8] = 0; // StreamID, always 0
  out[9] = 0;
  out[10] = 0;
  frame.body.copy(out, FLV_TAG_HEADER_SIZE);
  out.writeUInt32BE(tagSize, tagSize);
  return out;
}

/** Turns a decoded tag back into a frame, classifying audio/video bodies by their tag header. */
export function flvTagToFrame(tag: FlvTag): MediaFrame {
  const { timestamp, body } = tag;
  if (tag.type === FLV_TAG_TYPE.VIDEO) {
    const { keyframe, sequenceHeader } = inspectVideo(body);
    return { kind: 'video', timestamp, body, keyframe, sequenceHeader };
  }
  if (tag.type === FLV_TAG_TYPE.AUDIO) {
    const { keyframe, sequenceHeader } = inspectAudio(body);
    return { kind: 'audio', timestamp, body, keyframe, sequenceHeader };
  }
  return { kind: 'data', timestamp, body, keyframe: false, sequenceHeader: false };
}
