import assert from 'node:assert/strict';
import { crc32Mpeg } from '../../../src/formats/mpegts/crc32.js';

/** A PES packet reassembled from transport packets. */
export interface ParsedPes {
  pid: number;
  streamId: number;
  pts: number;
  dts: number;
  pcr?: number;
  randomAccess: boolean;
  payload: Buffer;
}

export interface ParsedTs {
  pmtPid?: number;
  pcrPid?: number;
  streams: Array<{ pid: number; streamType: number }>;
  pes: ParsedPes[];
}

export function readTimestamp(b: Buffer, at: number): number {
  return (((b[at]! >> 1) & 0x07) * 2 ** 30) + (b.readUInt16BE(at + 1) >> 1) * 2 ** 15 + (b.readUInt16BE(at + 3) >> 1);
}

/**
 * A strict, independent reader used to check the muxer's output: asserts packet size, sync
 * bytes, continuity counters, adaptation field sizes and PSI CRCs while it reassembles PES.
 */
export function readTs(data: Buffer): ParsedTs {
  assert.equal(data.length % 188, 0, 'length is a multiple of 188');
  const result: ParsedTs = { streams: [], pes: [] };
  const counters = new Map<number, number>();
  const open = new Map<number, { parts: Buffer[]; pcr?: number; randomAccess: boolean }>();
  const finish = (pid: number): void => {
    const current = open.get(pid);
    if (!current) return;
    open.delete(pid);
    result.pes.push(parsePes(pid, Buffer.concat(current.parts), current.pcr, current.randomAccess));
  };
  for (let at = 0; at < data.length; at += 188) {
    const p = data.subarray(at, at + 188);
    assert.equal(p[0], 0x47, `sync byte at ${at}`);
    const pusi = (p[1]! & 0x40) !== 0;
    const pid = p.readUInt16BE(1) & 0x1fff;
    const control = (p[3]! >> 4) & 0x03;
    const cc = p[3]! & 0x0f;
    assert.ok(control === 1 || control === 3, 'payload present');
    const last = counters.get(pid);
    if (last !== undefined) assert.equal(cc, (last + 1) & 0x0f, `continuity on PID ${pid}`);
    counters.set(pid, cc);
    let pos = 4;
    let pcr: number | undefined;
    let randomAccess = false;
    if (control === 3) {
      const length = p[4]!;
      assert.ok(length <= 183, 'adaptation field fits');
      if (length > 0) {
        const flags = p[5]!;
        randomAccess = (flags & 0x40) !== 0;
        if (flags & 0x10) pcr = p.readUInt32BE(6) * 2 + (p[10]! >> 7);
      }
      pos = 5 + length;
    }
    const payload = p.subarray(pos);
    if (pid === 0 || pid === result.pmtPid) {
      assert.ok(pusi);
      readSection(payload.subarray(1 + payload[0]!), pid === 0, result);
      continue;
    }
    if (pusi) {
      finish(pid);
      open.set(pid, { parts: [payload], pcr, randomAccess });
    } else {
      const current = open.get(pid);
      assert.ok(current, `continuation without a start on PID ${pid}`);
      current.parts.push(payload);
    }
  }
  for (const pid of [...open.keys()]) finish(pid);
  return result;
}

function readSection(s: Buffer, isPat: boolean, result: ParsedTs): void {
  const sectionLength = s.readUInt16BE(1) & 0x0fff;
  const end = 3 + sectionLength;
  assert.equal(crc32Mpeg(s, 0, end - 4), s.readUInt32BE(end - 4), 'PSI CRC32');
  assert.equal(crc32Mpeg(s, 0, end), 0, 'CRC over the section including its CRC is 0');
  if (isPat) {
    assert.equal(s[0], 0x00);
    result.pmtPid = s.readUInt16BE(10) & 0x1fff;
    return;
  }
  assert.equal(s[0], 0x02);
  result.pcrPid = s.readUInt16BE(8) & 0x1fff;
  result.streams = [];
  for (let i = 12; i < end - 4; i += 5) {
    result.streams.push({ streamType: s[i]!, pid: s.readUInt16BE(i + 1) & 0x1fff });
  }
}

function parsePes(pid: number, b: Buffer, pcr: number | undefined, randomAccess: boolean): ParsedPes {
  assert.deepEqual([...b.subarray(0, 3)], [0, 0, 1], 'PES start code');
  const flags = b[7]! >> 6;
  const headerLength = b[8]!;
  const pts = readTimestamp(b, 9);
  const dts = flags === 3 ? readTimestamp(b, 14) : pts;
  const declared = b.readUInt16BE(4);
  const payload = b.subarray(9 + headerLength);
  if (declared !== 0) assert.equal(declared, b.length - 6, 'PES_packet_length');
  return { pid, streamId: b[3]!, pts, dts, pcr, randomAccess, payload };
}
