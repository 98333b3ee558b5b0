import type { Socket } from 'node:net';
import type { SluiceConfig } from '../../config/schema.js';
import type { Command } from '../../protocols/rtmp/messages.js';
import { SessionInfo, clientIp } from '../session-info.js';
import { queryValue, resolveVhost, splitQuery, tcUrlHost } from './stream-url.js';
import { bytesSent } from '../direct-write.js';

/** The session an RTMP `connect` command describes: app (its query kept as param), vhost, URLs. */
export function sessionFromConnect(command: Command, socket: Socket, config: SluiceConfig, id: string, terminate: (reason: string) => void): SessionInfo {
  const props = (command.commandObject ?? {}) as Record<string, unknown>;
  const text = (key: string): string => (typeof props[key] === 'string' ? (props[key] as string) : '');
  const { name: app, param } = splitQuery(text('app').replace(/\/+$/, ''));
  const tcUrl = text('tcUrl');
  return new SessionInfo(
    {
      id,
      protocol: 'rtmp',
      ip: clientIp(socket.remoteAddress),
      vhost: resolveVhost(config, [queryValue(param, 'vhost'), tcUrlHost(tcUrl)]),
      app,
      param,
      tcUrl,
      pageUrl: text('pageUrl'),
      swfUrl: text('swfUrl'),
      flashVer: text('flashVer'),
      requestUrl: tcUrl,
    },
    {
      bytesSent: () => bytesSent(socket),
      bytesReceived: () => socket.bytesRead,
      terminate,
    },
  );
}

/** The `objectEncoding` the client asked for (0: AMF0, 3: AMF3), echoed in the answer. */
export function objectEncodingOf(command: Command): number {
  const props = (command.commandObject ?? {}) as Record<string, unknown>;
  return typeof props.objectEncoding === 'number' ? props.objectEncoding : 0;
}
