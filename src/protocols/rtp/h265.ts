import { ProtocolError } from '../../util/errors.js';
import { readAggregated, type NalPayloadFormat } from './nal-units.js';

const AP = 48;
const FU = 49;

/** H.265 over RTP (RFC 7798) without DONL: single NAL units, aggregation packets and FUs. */
export const h265Payload: NalPayloadFormat = {
  headerBytes: 2,
  fragmentHeader(nal) {
    return Buffer.from([(nal[0]! & 0x81) | (FU << 1), nal[1]!, (nal[0]! >> 1) & 0x3f]);
  },
  read(payload) {
    if (payload.length < 2) throw new ProtocolError('truncated H.265 RTP payload');
    const type = (payload[0]! >> 1) & 0x3f;
    if (type < AP) return { nalus: [payload] };
    if (type === AP) return { nalus: readAggregated(payload, 2) };
    if (type === FU) {
      if (payload.length < 4) throw new ProtocolError('truncated H.265 FU');
      const fu = payload[2]!;
      return {
        fragment: payload.subarray(3),
        start: (fu & 0x80) !== 0,
        end: (fu & 0x40) !== 0,
        header: Buffer.from([(payload[0]! & 0x81) | ((fu & 0x3f) << 1), payload[1]!]),
      };
    }
    throw new ProtocolError(`unsupported H.265 RTP payload type ${type}`);
  },
};
