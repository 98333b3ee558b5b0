import { ProtocolError } from '../../../util/errors.js';

/** Record content types (RFC 5246 §6.2.1). */
export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

export const DTLS_1_0 = 0xfeff;
export const DTLS_1_2 = 0xfefd;
export const RECORD_HEADER = 13;
/** The largest plaintext a record may carry (2^14) plus what a cipher may add: anything above is garbage. */
const MAX_FRAGMENT = 16_384 + 2048;

export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  /** 48-bit sequence number: exact in a JS number. */
  seq: number;
  fragment: Buffer;
}

/** RFC 7983 demultiplexing: a DTLS record's first byte (its content type) is 20..63. */
export function isDtls(datagram: Buffer): boolean {
  return datagram.length >= RECORD_HEADER && datagram[0]! >= 20 && datagram[0]! <= 63;
}

/** All records of one datagram (DTLS packs several back to back); a truncated one spoils the datagram. */
export function decodeRecords(datagram: Buffer): DtlsRecord[] {
  const records: DtlsRecord[] = [];
  for (let at = 0; at < datagram.length; ) {
    if (datagram.length - at < RECORD_HEADER) throw new ProtocolError(`DTLS record header truncated at ${at}`);
    const type = datagram[at]!;
    const version = datagram.readUInt16BE(at + 1);
    const length = datagram.readUInt16BE(at + 11);
    if (type < 20 || type > 23) throw new ProtocolError(`DTLS record of unknown content type ${type}`);
    if (version !== DTLS_1_0 && version !== DTLS_1_2) throw new ProtocolError(`DTLS record version 0x${version.toString(16)}`);
    if (length > MAX_FRAGMENT) throw new ProtocolError(`DTLS record of ${length} bytes`);
    if (at + RECORD_HEADER + length > datagram.length) throw new ProtocolError(`DTLS record of ${length} bytes truncated`);
    records.push({
      type,
      version,
      epoch: datagram.readUInt16BE(at + 3),
      seq: datagram.readUIntBE(at + 5, 6),
      fragment: datagram.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length),
    });
    at += RECORD_HEADER + length;
  }
  return records;
}

/** The 13-byte record header. */
export function recordHeader(type: number, version: number, epoch: number, seq: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER);
  header[0] = type;
  header.writeUInt16BE(version, 1);
  header.writeUInt16BE(epoch, 3);
  header.writeUIntBE(seq, 5, 6);
  header.writeUInt16BE(length, 11);
  return header;
}

export function encodeRecord(type: number, epoch: number, seq: number, fragment: Buffer, version = DTLS_1_2): Buffer {
  return Buffer.concat([recordHeader(type, version, epoch, seq, fragment.length), fragment]);
}

/**
 * Anti-replay window of RFC 6347 §4.1.2.6: the highest sequence number seen and a 64-bit map
 * of those below it. `fresh` is checked before decrypting, `mark` only once a record authenticated,
 * so forged records cannot move the window.
 */
export class ReplayWindow {
  private top = -1;
  private seen = 0n;

  fresh(seq: number): boolean {
    if (seq > this.top) return true;
    const behind = this.top - seq;
    return behind < 64 && (this.seen & (1n << BigInt(behind))) === 0n;
  }

  mark(seq: number): void {
    if (seq > this.top) {
      const shift = seq - this.top;
      this.seen = shift >= 64 ? 1n : ((this.seen << BigInt(shift)) | 1n) & 0xffff_ffff_ffff_ffffn;
      this.top = seq;
    } else {
      this.seen |= 1n << BigInt(this.top - seq);
    }
  }
}
