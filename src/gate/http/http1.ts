// The HTTP/1.1 a callback needs and no more: one request written as one buffer, and an
// incremental reader of the answer (Content-Length, chunked or until close).

/** Longest status line and headers accepted from a receiver. */
const MAX_HEAD_BYTES = 16 * 1024;

export class Http1Error extends Error {}

/** The request as one buffer: a single write, a single syscall. */
export function encodeRequest(method: string, url: URL, headers: Record<string, string>, body: string): Buffer {
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Http1Error(`header ${name} holds a line break`);
    head += `${name}: ${value}\r\n`;
  }
  if (method === 'POST') head += `content-length: ${Buffer.byteLength(body)}\r\n`;
  return Buffer.from(`${head}\r\n${method === 'POST' ? body : ''}`);
}

export interface Http1Answer {
  status: number;
  location: string | undefined;
  body: Buffer;
  truncated: boolean;
  /** The receiver keeps the connection open for the next request. */
  keepAlive: boolean;
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

/**
 * Reads one answer from the bytes pushed in. `push` returns the answer once complete (or once
 * `limit` body bytes are in: the rest is not read and the connection cannot be reused).
 */
export class AnswerReader {
  private buffered: Buffer = Buffer.alloc(0);
  private head: { status: number; location: string | undefined; keepAlive: boolean; framing: Framing } | undefined;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  /** Bytes of the answer seen so far: a stale kept-alive connection closes before any. */
  received = 0;

  constructor(private readonly limit: number) {}

  push(data: Buffer): Http1Answer | undefined {
    this.received += data.length;
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, data]) : data;
    while (!this.head) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffered.length > MAX_HEAD_BYTES) throw new Http1Error('answer headers too long');
        return undefined;
      }
      const head = parseHead(this.buffered.toString('latin1', 0, end));
      this.buffered = this.buffered.subarray(end + 4);
      if (head.status >= 100 && head.status < 200) continue; // 100 Continue, 103 Early Hints: the answer follows
      this.head = head;
    }
    return this.readBody();
  }

  /** The connection closed: completes an answer delimited by the close, else fails. */
  end(): Http1Answer {
    if (this.head?.framing.kind !== 'close') throw new Http1Error('connection closed before the answer was complete');
    this.take(this.buffered);
    return this.answer(false);
  }

  private readBody(): Http1Answer | undefined {
    const head = this.head!;
    const framing = head.framing;
    if (framing.kind === 'close') {
      this.take(this.buffered);
      this.buffered = Buffer.alloc(0);
      return this.bodyBytes > this.limit ? this.answer(false) : undefined;
    }
    if (framing.kind === 'length') {
      const part = this.buffered.subarray(0, framing.left);
      framing.left -= part.length;
      this.buffered = this.buffered.subarray(part.length);
      this.take(part);
      if (framing.left === 0) return this.answer(head.keepAlive);
      return this.bodyBytes > this.limit ? this.answer(false) : undefined;
    }
    return this.readChunks();
  }

  private readChunks(): Http1Answer | undefined {
    for (;;) {
      if (this.bodyBytes > this.limit) return this.answer(false);
      const lineEnd = this.buffered.indexOf('\r\n');
      if (lineEnd < 0) return undefined;
      const size = parseInt(this.buffered.toString('latin1', 0, lineEnd), 16);
      if (!Number.isFinite(size) || size < 0) throw new Http1Error('bad chunk size in the answer');
      if (size === 0) {
        // The last chunk; trailers (rare) end with an empty line.
        const end = this.buffered.indexOf('\r\n\r\n', lineEnd);
        if (end < 0) return undefined;
        return this.answer(this.head!.keepAlive && end + 4 === this.buffered.length);
      }
      if (this.buffered.length < lineEnd + 2 + size + 2) return undefined;
      this.take(this.buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
      this.buffered = this.buffered.subarray(lineEnd + 2 + size + 2);
    }
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    this.body.push(part);
    this.bodyBytes += part.length;
  }

  private answer(keepAlive: boolean): Http1Answer {
    const { status, location } = this.head!;
    const all = Buffer.concat(this.body);
    const truncated = all.length > this.limit;
    // Bytes after the answer (a pipelining receiver) would confuse the next request.
    const reusable = keepAlive && !truncated && this.buffered.length === 0;
    return { status, location, body: truncated ? all.subarray(0, this.limit) : all, truncated, keepAlive: reusable };
  }
}

function parseHead(text: string): { status: number; location: string | undefined; keepAlive: boolean; framing: Framing } {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
  if (!statusLine) throw new Http1Error('the answer is not HTTP/1.x');
  const status = Number(statusLine[2]);
  let keepAlive = statusLine[1] === '1';
  let location: string | undefined;
  let framing: Framing = { kind: 'close' };
  let chunked = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      const length = Number(value);
      if (!Number.isSafeInteger(length) || length < 0) throw new Http1Error('bad content-length in the answer');
      framing = { kind: 'length', left: length };
    } else if (name === 'transfer-encoding') chunked = /(^|,)\s*chunked\s*$/i.test(value);
    else if (name === 'connection') keepAlive = !/close/i.test(value) && (keepAlive || /keep-alive/i.test(value));
    else if (name === 'location') location ??= value;
  }
  if (chunked) framing = { kind: 'chunked' };
  // Answers that never have a body.
  if (status === 204 || status === 304) framing = { kind: 'length', left: 0 };
  if (framing.kind === 'close') keepAlive = false;
  return { status, location, keepAlive, framing };
}
