import { isIPv4, isIPv6 } from 'node:net';
import { StunError, type StunAddress } from './message.js';

const COOKIE = Buffer.from([0x21, 0x12, 0xa4, 0x42]);

/** Reads XOR-MAPPED-ADDRESS (RFC 5389 15.2): `xorKey` is the magic cookie and transaction id (16 bytes). */
export function readAddress(value: Buffer, xorKey: Buffer): StunAddress {
  if (value.length < 4) throw new StunError('truncated STUN address');
  const family = value[1];
  const port = value.readUInt16BE(2) ^ 0x2112;
  const size = family === 0x01 ? 4 : family === 0x02 ? 16 : 0;
  if (size === 0) throw new StunError(`STUN address family ${family}`);
  if (value.length !== 4 + size) throw new StunError(`STUN address of ${value.length} bytes for family ${family}`);
  const raw = Buffer.alloc(size);
  for (let i = 0; i < size; i++) raw[i] = value[4 + i]! ^ xorKey[i]!;
  if (size === 4) return { family: 'IPv4', address: [...raw].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  return { family: 'IPv6', address: groups.join(':'), port };
}

/** Writes XOR-MAPPED-ADDRESS for this address, XORed with the cookie and `transactionId`. */
export function writeAddress(mapped: StunAddress, transactionId: Buffer): Buffer {
  const xorKey = Buffer.concat([COOKIE, transactionId]);
  const raw = addressBytes(mapped.address);
  const out = Buffer.alloc(4 + raw.length);
  out[1] = raw.length === 4 ? 0x01 : 0x02;
  out.writeUInt16BE((mapped.port ^ 0x2112) & 0xffff, 2);
  for (let i = 0; i < raw.length; i++) out[4 + i] = raw[i]! ^ xorKey[i]!;
  return out;
}

function addressBytes(address: string): Buffer {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) return Buffer.from(v4.split('.').map(Number));
  if (!isIPv6(address)) throw new RangeError(`not an IP address: ${address}`);
  const [head, tail] = address.split('::') as [string, string | undefined];
  const parse = (part: string | undefined): number[] => (part ? part.split(':').flatMap(group16) : []);
  const front = parse(head);
  const back = parse(tail);
  const groups = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** One colon-separated group, or the two groups of an embedded dotted IPv4 tail. */
function group16(part: string): number[] {
  if (!part.includes('.')) return [parseInt(part, 16)];
  const b = part.split('.').map(Number) as [number, number, number, number];
  return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
}
