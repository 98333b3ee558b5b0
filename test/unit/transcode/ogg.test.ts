import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OggPacketReader, oggCrc, oggPage } from '../../../src/transcode/ogg.js';

const page = (packet: Buffer, sequence = 0, headerType = 0): Buffer => oggPage({ headerType, granule: 960n, serial: 7, sequence, packet });

function read(chunks: Buffer[]): { packets: Buffer[]; reader: OggPacketReader } {
  const packets: Buffer[] = [];
  const reader = new OggPacketReader((packet) => packets.push(packet));
  for (const chunk of chunks) reader.push(chunk);
  return { packets, reader };
}

test('Ogg CRC is the CRC-32 of Ogg (polynomial 0x04C11DB7, initial 0): "OggS" checks out', () => {
  // Known value of the Ogg CRC over the ASCII bytes "123456789" (CRC-32/OGG check value).
  assert.equal(oggCrc(Buffer.from('123456789')), 0x89a1897f);
});

test('a page round-trips its packet, lacing included, even split into single bytes', () => {
  const packets = [Buffer.alloc(0), Buffer.alloc(254, 1), Buffer.alloc(255, 2), Buffer.alloc(510, 3), Buffer.alloc(3000, 4)];
  const bytes = Buffer.concat(packets.map((packet, i) => page(packet, i)));
  assert.deepEqual(read([bytes]).packets, packets);
  const singles = [...bytes].map((byte) => Buffer.from([byte]));
  assert.deepEqual(read(singles).packets, packets);
});

test('a packet continued over two pages is put back together', () => {
  const packet = Buffer.alloc(600, 9);
  const whole = page(packet);
  // Split by hand: 255 + 255 on the first page (open), the 90 left on a continuation page.
  const first = Buffer.concat([whole.subarray(0, 26), Buffer.from([2, 255, 255]), packet.subarray(0, 510)]);
  first.writeUInt32LE(0, 22);
  first.writeUInt32LE(oggCrc(first), 22);
  const second = Buffer.concat([whole.subarray(0, 26), Buffer.from([1, 90]), packet.subarray(510)]);
  second[5] = 0x01;
  second.writeUInt32LE(0, 22);
  second.writeUInt32LE(oggCrc(second), 22);
  assert.deepEqual(read([first, second]).packets, [packet]);
});

test('garbage and pages with a bad CRC are skipped and counted; the pages after them are read', () => {
  const good = page(Buffer.from('after'));
  const bad = page(Buffer.from('corrupt'));
  bad[bad.length - 1] = bad.at(-1)! ^ 0xff;
  const { packets, reader } = read([Buffer.from('not ogg at all'), bad, good]);
  assert.deepEqual(packets, [Buffer.from('after')]);
  assert.ok(reader.skippedBytes >= 14);
});

test('a packet too large for one page is refused with a typed error', () => {
  assert.throws(() => page(Buffer.alloc(70_000)), { name: 'ProtocolError' });
});
