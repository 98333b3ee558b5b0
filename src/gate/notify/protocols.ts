import type { NotifyProtocol } from '../../config/schema.js';

/**
 * How the notify dialect names each protocol of the gate: the block of `http_notify` that
 * serves it, and the `protocol` form field (Happytime's names). Protocols listed nowhere (a
 * server added later) use the vhost's block and their own name.
 */
const BLOCKS: Readonly<Record<string, NotifyProtocol>> = {
  rtmp: 'rtmp',
  rtsp: 'rtsp',
  srt: 'srt',
  // Happytime serves WebSocket-FLV from its HTTP-FLV module.
  'http-flv': 'http_flv',
  'ws-flv': 'http_flv',
  hls: 'hls',
};

const NAMES: Readonly<Record<string, string>> = { 'http-flv': 'httpflv', 'ws-flv': 'wsflv' };

export function notifyBlockOf(protocol: string): NotifyProtocol | undefined {
  return Object.hasOwn(BLOCKS, protocol) ? BLOCKS[protocol] : undefined;
}

export function notifyProtocolName(protocol: string): string {
  return Object.hasOwn(NAMES, protocol) ? NAMES[protocol]! : protocol;
}
