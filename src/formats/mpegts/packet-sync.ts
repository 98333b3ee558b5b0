import { ProtocolError } from '../../util/errors.js';
import { SYNC_BYTE, TS_PACKET_SIZE } from './constants.js';

/** Packet strides seen on the wire: plain TS, M2TS (a 4-byte timecode first), TS with 16 bytes of FEC. */
const STRIDES = [TS_PACKET_SIZE, 192, 204] as const;
/** Sync bytes in a row that lock onto a stride. */
const LOCK_SYNCS = 3;
/** More than this many bytes without a lock is not a transport stream. */
const MAX_UNSYNCED = 1024 * 1024;

/**
 * Cuts a byte stream, split anywhere, into 188-byte transport packets. Finds the packet stride
 * by sync bytes in a row, drops the bytes between packets (M2TS timecodes, FEC), and resyncs
 * past garbage. Throws ProtocolError only when a megabyte passes without a packet.
 */
const EMPTY = Buffer.alloc(0);

export class PacketSync {
  private pending: Buffer = EMPTY;
  /** Offset of the sync byte in a stride (4 for M2TS), and the stride, once locked. */
  private stride: number | undefined;
  private unsynced = 0;

  /** `onPacket` gets each packet as the 188 bytes at `at` in `data`: no view is made per packet. */
  constructor(private readonly onPacket: (data: Buffer, at: number) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.drain(false);
  }

  /** Delivers what is left that still looks like packets (a stream too short to lock on). */
  end(): void {
    this.drain(true);
    this.pending = EMPTY;
  }

  private drain(ending: boolean): void {
    const data = this.pending;
    let at = 0;
    while (at + TS_PACKET_SIZE <= data.length) {
      if (this.stride !== undefined && data[at] === SYNC_BYTE) {
        if (at + this.stride > data.length && !ending) break; // the packet's tail (FEC) is still to come
        this.unsynced = 0;
        this.onPacket(data, at);
        at += this.stride;
        continue;
      }
      this.stride = undefined;
      const found = this.lock(data, at, ending);
      if (found === 'wait') break;
      if (found !== undefined) {
        this.skipped(found - at);
        at = found;
        continue;
      }
      this.skipped(1);
      at++;
    }
    // Keep no view into a large chunk; a chunk of whole packets (SRT's 1316 bytes) leaves nothing.
    if (at === data.length) this.pending = EMPTY;
    else this.pending = ending ? data.subarray(at) : Buffer.from(data.subarray(at));
  }

  /** Where the next packet starts, 'wait' when more data is needed to tell, undefined if not at `at`. */
  private lock(data: Buffer, at: number, ending: boolean): number | 'wait' | undefined {
    if (data[at] !== SYNC_BYTE) {
      const next = data.indexOf(SYNC_BYTE, at + 1);
      return next < 0 ? undefined : next;
    }
    for (const stride of STRIDES) {
      let syncs = 1;
      while (syncs < LOCK_SYNCS && at + syncs * stride < data.length && data[at + syncs * stride] === SYNC_BYTE) syncs++;
      if (syncs === LOCK_SYNCS || (ending && at + syncs * stride >= data.length)) {
        this.stride = stride;
        return at;
      }
    }
    // Not enough data yet to confirm any stride: wait for it, unless that much cannot come.
    return !ending && data.length - at < (LOCK_SYNCS - 1) * STRIDES[2] + 1 ? 'wait' : undefined;
  }

  private skipped(bytes: number): void {
    this.unsynced += bytes;
    if (this.unsynced > MAX_UNSYNCED) throw new ProtocolError('not an MPEG-TS stream: no sync byte pattern in 1 MiB');
  }
}
