import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { ClientHandshake, ServerHandshake } from '../../../src/protocols/rtmp/handshake.js';
import { ProtocolError } from '../../../src/util/errors.js';

// The Flash handshake keys, written independently of the implementation.
const KEY_TAIL = Buffer.from([
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
]);
const FP_KEY = Buffer.from('Genuine Adobe Flash Player 001');
const FMS_KEY = Buffer.from('Genuine Adobe Flash Media Server 001');
const FMS_FULL_KEY = Buffer.concat([FMS_KEY, KEY_TAIL]);

const hmac = (key: Buffer, ...data: Buffer[]): Buffer => {
  const mac = createHmac('sha256', key);
  data.forEach((d) => mac.update(d));
  return mac.digest();
};

/** Digest offset for schema 0 (base 8) or 1 (base 772). */
const offsetOf = (block: Buffer, base: number): number =>
  ((block[base]! + block[base + 1]! + block[base + 2]! + block[base + 3]!) % 728) + base + 4;

const digestAt = (block: Buffer, offset: number, key: Buffer): Buffer =>
  hmac(key, block.subarray(0, offset), block.subarray(offset + 32));

/** A Flash-style C0+C1 with a valid player digest under the given schema. */
function complexC0C1(base: number): { c0c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0x80000702, 4); // Flash Player version field
  const offset = offsetOf(c1, base);
  const digest = digestAt(c1, offset, FP_KEY);
  digest.copy(c1, offset);
  return { c0c1: Buffer.concat([Buffer.of(3), c1]), digest };
}

const isProtocolError = (err: unknown): boolean => err instanceof ProtocolError;

test('simple handshake: S2 echoes C1, done after C2', () => {
  const server = new ServerHandshake();
  const c0c1 = Buffer.concat([Buffer.of(3), Buffer.alloc(8), randomBytes(1528)]);
  const first = server.feed(c0c1);
  assert.equal(first.done, false);
  assert.equal(first.reply!.length, 3073);
  assert.equal(first.reply![0], 3);
  assert.deepEqual(first.reply!.subarray(1537), c0c1.subarray(1));
  const second = server.feed(randomBytes(1536));
  assert.deepEqual(second, { done: true, rest: Buffer.alloc(0) });
});

for (const base of [8, 772]) {
  test(`complex handshake, schema ${base === 8 ? 0 : 1}: S1 carries a server digest, S2 is signed`, () => {
    const { c0c1, digest } = complexC0C1(base);
    const { reply } = new ServerHandshake().feed(c0c1);
    const s1 = reply!.subarray(1, 1537);
    const s2 = reply!.subarray(1537);
    assert.notEqual(s1.readUInt32BE(4), 0);
    const s1Offset = offsetOf(s1, base);
    assert.deepEqual(s1.subarray(s1Offset, s1Offset + 32), digestAt(s1, s1Offset, FMS_KEY));
    const signature = hmac(hmac(FMS_FULL_KEY, digest), s2.subarray(0, 1504));
    assert.deepEqual(s2.subarray(1504), signature);
    assert.notDeepEqual(s2, c0c1.subarray(1));
  });
}

test('C1 with a wrong digest falls back to the simple handshake', () => {
  const { c0c1 } = complexC0C1(772);
  c0c1.writeUInt32BE(~c0c1.readUInt32BE(100) >>> 0, 100);
  c0c1.writeUInt32BE(~c0c1.readUInt32BE(1000) >>> 0, 1000);
  const { reply } = new ServerHandshake().feed(c0c1);
  assert.deepEqual(reply!.subarray(1537), c0c1.subarray(1));
});

test('a version byte other than 3 throws ProtocolError at once', () => {
  assert.throws(() => new ServerHandshake().feed(Buffer.from('GET / HTTP/1.1\r\n')), /not an RTMP handshake \(version byte 0x47\)/);
  assert.throws(() => new ServerHandshake().feed(Buffer.of(6)), isProtocolError);
  assert.throws(() => new ClientHandshake().feed(Buffer.of(0x16, 3, 1)), isProtocolError);
});

test('bytes after C2 come back as rest, however the input is split', () => {
  const c0c1 = Buffer.concat([Buffer.of(3), randomBytes(1536)]);
  const c2 = randomBytes(1536);
  const extra = Buffer.from('first chunks');
  const all = Buffer.concat([c0c1, c2, extra]);

  const once = new ServerHandshake().feed(all);
  assert.equal(once.reply!.length, 3073);
  assert.equal(once.done, true);
  assert.deepEqual(once.rest, extra);

  for (const size of [1, 7, 1000, 1537, 2000]) {
    const server = new ServerHandshake();
    const replies: Buffer[] = [];
    let rest = Buffer.alloc(0);
    let done = false;
    for (let pos = 0; pos < all.length; pos += size) {
      const step = server.feed(all.subarray(pos, pos + size));
      if (step.reply) replies.push(step.reply);
      if (step.done) rest = Buffer.concat([rest, step.rest]);
      done = step.done;
    }
    assert.equal(replies.length, 1, `size ${size}`);
    assert.equal(done, true);
    assert.deepEqual(rest, extra, `size ${size}`);
  }
});

test('client and server complete a handshake with each other', () => {
  const client = new ClientHandshake();
  const server = new ServerHandshake();
  const c0c1 = client.start();
  assert.equal(c0c1.length, 1537);
  assert.equal(c0c1[0], 3);
  const s0s1s2 = server.feed(c0c1).reply!;
  const clientStep = client.feed(Buffer.concat([s0s1s2, Buffer.from('server data')]));
  assert.equal(clientStep.done, true);
  assert.deepEqual(clientStep.rest, Buffer.from('server data'));
  assert.deepEqual(clientStep.reply, s0s1s2.subarray(1, 1537)); // C2 echoes S1
  const serverStep = server.feed(Buffer.concat([clientStep.reply!, Buffer.from('connect')]));
  assert.deepEqual(serverStep, { done: true, rest: Buffer.from('connect') });
});
