import { AccessDenied, SluiceError } from '../../util/errors.js';

/** The end of a cluster IPC channel: a worker's `process`, or the primary's `Worker` object. */
export interface IpcPort {
  /** A send that fails (the other end is going) calls back with its error, never throws it later. */
  send(message: unknown, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

type Handler = (body: any) => unknown;

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
    port.on('message', (message) => this.receive(message));
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

  private receive(message: unknown): void {
    const envelope = message as Envelope;
    if (typeof envelope !== 'object' || envelope === null || !('sluice' in envelope)) return;
    if (envelope.sluice === 'res') return this.answered(envelope);
    const handler = this.handlers.get(envelope.type);
    if (envelope.sluice === 'note') {
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
