import type { ClientSession, PlayOptions, Protocol } from '../gate/types.js';

export interface SessionFields {
  /** From the server's SessionTracker, so ids are unique across workers. */
  id: string;
  protocol: Protocol;
  ip: string;
  vhost: string;
  app: string;
  stream?: string;
  param?: string;
  tcUrl: string;
  /** The tcUrl with the host the client used, when it differs from `tcUrl`. */
  clientTcUrl?: string;
  pageUrl?: string;
  swfUrl?: string;
  flashVer?: string;
  requestUrl: string;
}

export interface SessionTransport {
  bytesSent(): number;
  bytesReceived(): number;
  terminate(reason: string): void;
}

/** The ClientSession every protocol server hands to the gate. */
export class SessionInfo implements ClientSession {
  readonly id: string;
  readonly startedAt = Date.now();
  readonly protocol: Protocol;
  readonly ip: string;
  vhost: string;
  app: string;
  stream: string;
  param: string;
  tcUrl: string;
  readonly clientTcUrl: string | undefined;
  readonly pageUrl: string;
  readonly swfUrl: string;
  readonly flashVer: string;
  requestUrl: string;
  playOptions?: PlayOptions;

  constructor(
    fields: SessionFields,
    private readonly transport: SessionTransport,
  ) {
    this.id = fields.id;
    this.protocol = fields.protocol;
    this.ip = fields.ip;
    this.vhost = fields.vhost;
    this.app = fields.app;
    this.stream = fields.stream ?? '';
    this.param = fields.param ?? '';
    this.tcUrl = fields.tcUrl;
    this.clientTcUrl = fields.clientTcUrl;
    this.pageUrl = fields.pageUrl ?? '';
    this.swfUrl = fields.swfUrl ?? '';
    this.flashVer = fields.flashVer ?? '';
    this.requestUrl = fields.requestUrl;
  }

  bytesSent(): number {
    return this.transport.bytesSent();
  }

  bytesReceived(): number {
    return this.transport.bytesReceived();
  }

  terminate(reason: string): void {
    this.transport.terminate(reason);
  }

  /** `app/stream` for log lines. */
  get path(): string {
    return `${this.app}/${this.stream}`;
  }
}

/** Strips the IPv4-mapped IPv6 prefix Node gives for IPv4 clients on dual-stack sockets. */
export function clientIp(remoteAddress: string | undefined): string {
  if (!remoteAddress) return '';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
