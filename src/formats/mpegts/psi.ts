import { crc32Mpeg } from './crc32.js';
import { PID_PAT, PID_PMT, SYNC_BYTE, TS_PACKET_SIZE } from './constants.js';

/** One elementary stream listed in the PMT. */
export interface PmtStream {
  streamType: number;
  pid: number;
}

const PROGRAM_NUMBER = 1;
const TRANSPORT_STREAM_ID = 1;

/** The program association table: one program whose PMT is on PID_PMT. */
export function patPacket(cc: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(PROGRAM_NUMBER, 0);
  body.writeUInt16BE(0xe000 | PID_PMT, 2);
  return sectionPacket(PID_PAT, cc, 0x00, TRANSPORT_STREAM_ID, 0, body);
}

/** The program map table for `streams`, with the PCR carried on `pcrPid`; `version` moves on when they change. */
export function pmtPacket(cc: number, pcrPid: number, streams: PmtStream[], version = 0): Buffer {
  const body = Buffer.alloc(4 + streams.length * 5);
  body.writeUInt16BE(0xe000 | pcrPid, 0);
  body.writeUInt16BE(0xf000, 2); // program_info_length 0
  streams.forEach((s, i) => {
    const at = 4 + i * 5;
    body[at] = s.streamType;
    body.writeUInt16BE(0xe000 | s.pid, at + 1);
    body.writeUInt16BE(0xf000, at + 3); // ES_info_length 0
  });
  return sectionPacket(PID_PMT, cc, 0x02, PROGRAM_NUMBER, version, body);
}

/** A long-form PSI section in one TS packet: header, body, CRC, 0xFF padding. */
function sectionPacket(pid: number, cc: number, tableId: number, tableIdExtension: number, version: number, body: Buffer): Buffer {
  const packet = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  packet[0] = SYNC_BYTE;
  packet.writeUInt16BE(0x4000 | pid, 1); // payload_unit_start_indicator
  packet[3] = 0x10 | (cc & 0x0f); // payload only
  packet[4] = 0; // pointer_field
  const start = 5;
  const sectionLength = 5 + body.length + 4; // header after the length field, body, CRC
  packet[start] = tableId;
  packet.writeUInt16BE(0xb000 | sectionLength, start + 1); // syntax indicator, '0', reserved
  packet.writeUInt16BE(tableIdExtension, start + 3);
  packet[start + 5] = 0xc1 | ((version & 0x1f) << 1); // reserved, version_number, current_next_indicator
  packet[start + 6] = 0; // section_number
  packet[start + 7] = 0; // last_section_number
  body.copy(packet, start + 8);
  const crcAt = start + 8 + body.length;
  packet.writeUInt32BE(crc32Mpeg(packet, start, crcAt), crcAt);
  return packet;
}
