const HAS_AUDIO = 0x04;
const HAS_VIDEO = 0x01;

/** The 9-byte FLV file header (version 1) followed by the 4-byte PreviousTagSize0. */
export function flvFileHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const header = Buffer.alloc(13);
  header.write('FLV', 0, 'latin1');
  header[3] = 1;
  header[4] = (hasAudio ? HAS_AUDIO : 0) | (hasVideo ? HAS_VIDEO : 0);
  header.writeUInt32BE(9, 5); // DataOffset: size of this header
  return header; // PreviousTagSize0 stays 0
}
