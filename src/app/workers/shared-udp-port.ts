import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { ConfigError } from '../../util/errors.js';

/**
 * The UDP port every worker binds with SO_REUSEPORT, claimed by the primary first: bound once
 * without sharing, so a port another program holds (or another Sluice shares) stops the start
 * with EADDRINUSE instead of splitting its traffic, and port 0 becomes one port for all workers.
 */
export async function claimSharedUdpPort(setting: string, host: string, port: number): Promise<number> {
  const ip = isIP(host) ? host : (await lookup(host)).address;
  const socket = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
  const failed = once(socket, 'error').then(([error]) => Promise.reject(error as Error));
  failed.catch(() => undefined);
  try {
    socket.bind(port, ip);
    await Promise.race([once(socket, 'listening'), failed]);
    return socket.address().port;
  } catch (error) {
    throw new ConfigError(`cannot listen on UDP ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`, setting, { cause: error });
  } finally {
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
  }
}
