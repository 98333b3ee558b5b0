import { connect, type Socket } from 'node:net';

export interface RtspResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** A bare RTSP client on a socket, for driving the server with exact (and hostile) bytes. */
export class TestRtspClient {
  private buffer = Buffer.alloc(0);
  private cseq = 0;
  private waiting: Array<(response: RtspResponse) => void> = [];
  readonly closed: Promise<void>;
  /** Interleaved frames received (media and RTCP). */
  interleaved = 0;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<TestRtspClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new TestRtspClient(socket)));
      socket.once('error', reject);
    });
  }

  request(method: string, url: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const lines = [`${method} ${url} RTSP/1.0`, `CSeq: ${++this.cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return this.next();
  }

  /** The next response, whatever asked for it. */
  next(): Promise<RtspResponse> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.parse();
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    for (;;) {
      while (this.buffer[0] === 0x24 && this.buffer.length >= 4) {
        const length = this.buffer.readUInt16BE(2);
        if (this.buffer.length < 4 + length) return;
        this.buffer = this.buffer.subarray(4 + length); // media: counted, not looked at
        this.interleaved++;
      }
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0 || this.waiting.length === 0) return;
      const [statusLine, ...lines] = this.buffer.subarray(0, end).toString().split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const length = Number(headers.get('content-length') ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString();
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.waiting.shift()!({ status: Number(statusLine!.split(' ')[1]), headers, body });
    }
  }
}
