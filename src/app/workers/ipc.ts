import type { Socket } from 'node:net';
import { AccessDenied, SluiceError } from '../../util/errors.js';

/** The end of a cluster IPC channel: a worker's `process`, or the primary's `Worker` object. */
export interface IpcPort {
  /** A send that fails (the other end is going) calls back with its error, never throws it later. */
  send(message: unknown, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown, socket?: Socket) => void): unknown;
}

/** A real cluster channel also carries sockets: one sent leaves this process (closed here once sent). */
interface SocketCarrier {
  send(message: unknown, socket: Socket, options: { keepOpen: false }, callback: (error: Error | null) => void): unknown;
}

/** A request's or a note's handler; a note passed with a socket gets it too. */
type Handler = (body: any, socket?: Socket) => unknown;

interface Envelope {
  sluice: 'req' | 'res' | 'note';
  seq: number;
  type: string;
  body?: unknown;
  /** A failed request: the error's class ('denied' keeps AccessDenied across) and message. */
  error?: { denied: boolean; message: string };
}

export class IpcError extends SluiceError {}

/**
 * Requests with answers, and notes without, over one cluster IPC channel. A handler that throws
 * AccessDenied makes the request reject with AccessDenied on the other side (the gate's refusals).
 */
export class IpcChannel {
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private readonly handlers = new Map<string, Handler>();

  constructor(private readonly port: IpcPort) {
    port.on('message', (message, socket) => this.receive(message, socket));
  }

  handle(type: string, handler: Handler): void {
    this.handlers.set(type, handler);
  }

  request<T>(type: string, body?: unknown): Promise<T> {
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(seq, { resolve, reject });
      this.post({ sluice: 'req', seq, type, body }, reject);
    });
  }

  note(type: string, body?: unknown): void {
    this.post({ sluice: 'note', seq: 0, type, body }, () => {});
  }

  /** A note that carries a TCP connection to the other end; the connection is closed if it cannot go. */
  pass(type: string, body: unknown, socket: Socket): void {
    const envelope: Envelope = { sluice: 'note', seq: 0, type, body };
    try {
      (this.port as unknown as SocketCarrier).send(envelope, socket, { keepOpen: false }, (error) => error && socket.destroy());
    } catch {
      socket.destroy();
    }
  }

  /** The other end is gone: whatever waits for it fails. */
  disconnected(): void {
    for (const { reject } of this.waiting.values()) reject(new IpcError('worker channel closed'));
    this.waiting.clear();
  }

  private post(envelope: Envelope, fail: (error: Error) => void): void {
    const failed = (error: unknown): void => {
      this.waiting.delete(envelope.seq);
      fail(new IpcError('worker channel closed', { cause: error }));
    };
    try {
      // With a callback, a send to a process that is exiting fails here instead of as an 'error' event nobody handles.
      this.port.send(envelope, (error) => error && failed(error));
    } catch (error) {
      failed(error);
    }
  }

  private receive(message: unknown, socket: Socket | undefined): void {
    const envelope = message as Envelope;
    if (typeof envelope !== 'object' || envelope === null || !('sluice' in envelope)) return;
    if (envelope.sluice === 'res') return this.answered(envelope);
    const handler = this.handlers.get(envelope.type);
    if (envelope.sluice === 'note') {
      if (socket) {
        // Served now, before the connection's first read: nothing it sends can go unheard.
        try {
          if (!handler) throw new IpcError(`no handler for ${envelope.type}`);
          handler(envelope.body, socket);
        } catch {
          socket.destroy();
        }
        return;
      }
      void Promise.resolve().then(() => handler?.(envelope.body)).catch(() => {});
      return;
    }
    const reply = (body: unknown, error?: Envelope['error']): void =>
      this.post({ sluice: 'res', seq: envelope.seq, type: envelope.type, body, ...(error ? { error } : {}) }, () => {});
    Promise.resolve()
      .then(() => {
        if (!handler) throw new IpcError(`no handler for ${envelope.type}`);
        return handler(envelope.body);
      })
      .then(
        (body) => reply(body),
        (error: Error) => reply(undefined, { denied: error instanceof AccessDenied, message: error instanceof AccessDenied ? error.reason : error.message }),
      );
  }

  private answered(envelope: Envelope): void {
    const waiter = this.waiting.get(envelope.seq);
    if (!waiter) return;
    this.waiting.delete(envelope.seq);
    if (!envelope.error) return waiter.resolve(envelope.body);
    waiter.reject(envelope.error.denied ? new AccessDenied(envelope.error.message) : new IpcError(envelope.error.message));
  }
}
