import { ProtocolError } from '../../util/errors.js';
import { readAggregated, type NalPayloadFormat } from './nal-units.js';

const STAP_A = 24;
const FU_A = 28;

/** H.264 over RTP (RFC 6184), packetization-mode 1: single NAL units, STAP-A and FU-A. */
export const h264Payload: NalPayloadFormat = {
  headerBytes: 1,
  fragmentHeader(nal) {
    return Buffer.from([(nal[0]! & 0xe0) | FU_A, nal[0]! & 0x1f]);
  },
  read(payload) {
    if (payload.length < 1) throw new ProtocolError('empty H.264 RTP payload');
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) return { nalus: [payload] };
    if (type === STAP_A) return { nalus: readAggregated(payload, 1) };
    if (type === FU_A) {
      if (payload.length < 3) throw new ProtocolError('truncated FU-A');
      const fu = payload[1]!;
      return {
        fragment: payload.subarray(2),
        start: (fu & 0x80) !== 0,
        end: (fu & 0x40) !== 0,
        header: Buffer.from([(payload[0]! & 0xe0) | (fu & 0x1f)]),
      };
    }
    throw new ProtocolError(`unsupported H.264 RTP payload type ${type}`);
  },
};
