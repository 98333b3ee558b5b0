import { ProtocolError } from '../../util/errors.js';

/** An RTSP 1.0 request (RFC 2326 6); header names are lower-cased. */
export interface RtspRequest {
  method: string;
  url: string;
  headers: Map<string, string>;
  body: Buffer;
}

/** What arrives on an RTSP connection: requests, and RTP/RTCP interleaved after `$` (RFC 2326 10.12). */
export type RtspInput = { kind: 'request'; request: RtspRequest } | { kind: 'interleaved'; channel: number; data: Buffer };

export interface RtspLimits {
  /** Bytes of request line and headers. */
  maxHeaderBytes: number;
  /** Bytes of a request body (Content-Length). */
  maxBodyBytes: number;
}

export const DEFAULT_RTSP_LIMITS: RtspLimits = { maxHeaderBytes: 64 * 1024, maxBodyBytes: 64 * 1024 };

const REQUEST_LINE = /^([A-Z_]{1,32}) (\S{1,8192}) RTSP\/1\.0$/;
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_HEADERS = 100;

/**
 * Splits an RTSP connection's bytes into requests and interleaved frames. Everything is bounded:
 * a request whose headers or body exceed the limits, or bytes that are neither a request nor an
 * interleaved frame, are a ProtocolError (answered with 400 and the connection closed).
 */
export class RtspReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly limits: RtspLimits = DEFAULT_RTSP_LIMITS) {}

  push(chunk: Buffer): RtspInput[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: RtspInput[] = [];
    for (;;) {
      const item = this.next();
      if (!item) break;
      out.push(item);
    }
    return out;
  }

  private next(): RtspInput | undefined {
    const data = this.buffer;
    if (data.length === 0) return undefined;
    if (data[0] === 0x24) {
      if (data.length < 4) return undefined;
      const length = data.readUInt16BE(2);
      if (data.length < 4 + length) return undefined;
      this.buffer = data.subarray(4 + length);
      return { kind: 'interleaved', channel: data[1]!, data: data.subarray(4, 4 + length) };
    }
    // Some clients send blank lines between requests as keepalives.
    if (data[0] === 0x0d || data[0] === 0x0a) {
      this.buffer = data.subarray(1);
      return this.next();
    }
    const end = data.indexOf(HEADER_END);
    if (end < 0) {
      if (data.length > this.limits.maxHeaderBytes) throw new ProtocolError(`request headers exceed ${this.limits.maxHeaderBytes} bytes`);
      if (!/^[A-Z_]{0,32}( |$)/.test(data.subarray(0, 33).toString('latin1'))) throw new ProtocolError('not an RTSP request');
      return undefined;
    }
    if (end > this.limits.maxHeaderBytes) throw new ProtocolError(`request headers exceed ${this.limits.maxHeaderBytes} bytes`);
    const { method, url, headers } = parseHead(data.subarray(0, end).toString('utf8'));
    const length = contentLength(headers.get('content-length'));
    if (length > this.limits.maxBodyBytes) throw new ProtocolError(`request body of ${length} bytes exceeds ${this.limits.maxBodyBytes}`);
    const start = end + HEADER_END.length;
    if (data.length < start + length) return undefined;
    this.buffer = data.subarray(start + length);
    return { kind: 'request', request: { method, url, headers, body: Buffer.from(data.subarray(start, start + length)) } };
  }
}

function parseHead(text: string): Omit<RtspRequest, 'body'> {
  const lines = text.split('\r\n');
  const match = REQUEST_LINE.exec(lines[0]!);
  if (!match) throw new ProtocolError('bad RTSP request line');
  if (lines.length - 1 > MAX_HEADERS) throw new ProtocolError(`more than ${MAX_HEADERS} headers`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ProtocolError('bad RTSP header line');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method: match[1]!, url: match[2]!, headers };
}

function contentLength(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,9}$/.test(value)) throw new ProtocolError('bad Content-Length');
  return Number(value);
}

const REASONS: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  505: 'RTSP Version Not Supported',
};

/** An RTSP response; `headers` in the order given, then Content-Length when there is a body. */
export function encodeResponse(status: number, headers: ReadonlyArray<readonly [string, string]>, body?: Buffer | string): Buffer {
  const content = body === undefined ? undefined : Buffer.from(body);
  const lines = [`RTSP/1.0 ${status} ${REASONS[status] ?? 'Error'}`, ...headers.map(([name, value]) => `${name}: ${value}`)];
  if (content) lines.push(`Content-Length: ${content.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return content ? Buffer.concat([head, content]) : head;
}

/** An interleaved frame: `$`, channel, 16-bit length, data. */
export function interleavedHeader(channel: number, length: number): Buffer {
  return Buffer.from([0x24, channel, length >> 8, length & 0xff]);
}
