import type { VideoTrackInfo } from '../media/frame.js';
import { ByteReader } from '../util/bytes.js';
import { formatLevel } from './avc.js';

/**
 * Parses a VPCodecConfigurationRecord (VP codec ISO media binding 2.3.3): profile and level.
 * VP9 keeps the picture size in each keyframe, not in this record.
 */
export function parseVp9Config(record: Buffer): VideoTrackInfo {
  // Some muxers send the whole 'vpcC' FullBox payload: version 1 and zero flags come first.
  // The bare record can't start that way, its third byte holds a bit depth of 8, 10 or 12.
  const fullBox = record.length >= 12 && record[0] === 1 && record.readUIntBE(1, 3) === 0;
  const r = new ByteReader(record, fullBox ? 4 : 0);
  const profile = r.u8();
  const level = r.u8();
  const info: VideoTrackInfo = { codec: 'VP9', profile: `Profile ${profile}` };
  if (level !== 0) info.level = formatLevel(level / 10); // 0 means unspecified
  return info;
}
