import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * One address or CIDR block, IPv4 or IPv6. IPv4-mapped IPv6 addresses (`::ffff:10.1.2.3`, as a
 * dual-stack socket reports IPv4 peers) match IPv4 ranges, and the other way round.
 */
export class IpRange {
  private constructor(
    private readonly list: BlockList,
    readonly text: string,
  ) {}

  /** Parses `10.0.0.0/8`, `127.0.0.1`, `2001:db8::/32`, `::1`; undefined when it is neither. */
  static parse(text: string): IpRange | undefined {
    const [address = '', prefix, extra] = text.split('/');
    if (extra !== undefined) return undefined;
    const plain = unmapped(address);
    const family = isIPv4(plain) ? 'ipv4' : isIPv6(plain) ? 'ipv6' : undefined;
    if (!family) return undefined;
    const list = new BlockList();
    if (prefix === undefined) {
      list.addAddress(plain, family);
      return new IpRange(list, text);
    }
    const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    // A mapped address's prefix counts the 96 bits of ::ffff: in front of the IPv4 part.
    const effective = plain !== address ? bits - 96 : bits;
    if (!(effective >= 0 && effective <= (family === 'ipv4' ? 32 : 128))) return undefined;
    list.addSubnet(plain, effective, family);
    return new IpRange(list, text);
  }

  contains(ip: string): boolean {
    const plain = unmapped(ip.split('%')[0] ?? '');
    if (isIPv4(plain)) return this.list.check(plain, 'ipv4');
    return isIPv6(plain) && this.list.check(plain, 'ipv6');
  }
}

/** `::ffff:1.2.3.4` (and its hex form `::ffff:102:304`) as `1.2.3.4`; anything else as it is. */
export function unmapped(ip: string): string {
  const match = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(ip);
  if (!match || !isIPv6(ip)) return ip;
  const tail = match[1]!;
  if (isIPv4(tail)) return tail;
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(tail);
  if (!hex) return ip;
  const [high, low] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}
