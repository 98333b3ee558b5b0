/** RFC 7983 demultiplexing: a DTLS record's first byte (its content type) is 20..63. */
export function isDtls(datagram: Buffer): boolean {
  return datagram.length >= 13 && datagram[0]! >= 20 && datagram[0]! <= 63;
}
