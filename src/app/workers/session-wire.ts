import type { ClientSession, PlayOptions, Protocol } from '../../gate/types.js';

/** A client session as it crosses from a worker to the primary: its fields and byte counts now. */
export interface SessionWire {
  id: string;
  protocol: Protocol;
  ip: string;
  vhost: string;
  app: string;
  stream: string;
  param: string;
  tcUrl: string;
  clientTcUrl?: string;
  pageUrl: string;
  swfUrl: string;
  flashVer: string;
  requestUrl: string;
  startedAt: number;
  playOptions?: PlayOptions;
  sent: number;
  received: number;
}

export function toWire(s: ClientSession): SessionWire {
  return {
    id: s.id, protocol: s.protocol, ip: s.ip, vhost: s.vhost, app: s.app, stream: s.stream, param: s.param,
    tcUrl: s.tcUrl, ...(s.clientTcUrl !== undefined ? { clientTcUrl: s.clientTcUrl } : {}),
    pageUrl: s.pageUrl, swfUrl: s.swfUrl, flashVer: s.flashVer, requestUrl: s.requestUrl, startedAt: s.startedAt,
    ...(s.playOptions ? { playOptions: s.playOptions } : {}),
    sent: s.bytesSent(), received: s.bytesReceived(),
  };
}

/**
 * A worker's session as the primary's gate sees it: the same object for every call about it (the
 * gate binds sessions by identity), its fields and bytes as the worker last sent them, and
 * `terminate` passed back to the worker.
 */
export class RemoteSession implements ClientSession {
  id: string;
  protocol: Protocol;
  ip: string;
  vhost = '';
  app = '';
  stream = '';
  param = '';
  tcUrl = '';
  clientTcUrl?: string;
  pageUrl = '';
  swfUrl = '';
  flashVer = '';
  requestUrl = '';
  startedAt: number;
  playOptions?: PlayOptions;
  private sent = 0;
  private received = 0;

  constructor(wire: SessionWire, private readonly end: (reason: string) => void) {
    this.id = wire.id;
    this.protocol = wire.protocol;
    this.ip = wire.ip;
    this.startedAt = wire.startedAt;
    this.update(wire);
  }

  /** Takes what may have changed since the last call: names, query, play options, bytes. */
  update(wire: SessionWire): void {
    const { id: _id, sent, received, ...fields } = wire;
    Object.assign(this, fields);
    this.sent = sent;
    this.received = received;
  }

  bytesSent(): number {
    return this.sent;
  }

  bytesReceived(): number {
    return this.received;
  }

  terminate(reason: string): void {
    this.end(reason);
  }
}
