import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, type Server } from 'node:net';
import type { Endpoint } from '../config/schema.js';

/** Starts listening and resolves with the bound port (useful when the configured port is 0). */
export function listen(server: Server, endpoint: Endpoint): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(endpoint.port, endpoint.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : endpoint.port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * The address lookup of a UDP socket's sends: an IP address (what a server sends to) is answered
 * at once, where dns.lookup answers on the next tick, which costs a tick per datagram.
 */
const literalLookup: SocketOptions['lookup'] = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family) callback(null, hostname, family);
  else lookup(hostname, options, callback);
};

/**
 * A UDP socket bound to `host:port` (port 0: any free one); closed again when binding fails.
 * `exclusive`: bound by this process itself, never shared through the cluster primary (a worker's
 * own port).
 */
export function bindUdp(host: string, port: number, exclusive = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', lookup: literalLookup });
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ port, address: host, exclusive }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

/**
 * Asks the kernel for a receive buffer of `bytes` on a bound UDP socket (node:dgram's or the
 * batched one) and returns the bytes of payload it granted. Linux caps the request at
 * `net.core.rmem_max` and reports twice what it grants (the other half is its bookkeeping), so
 * the figure is halved there.
 */
export function sizeReceiveBuffer(socket: Pick<Socket, 'setRecvBufferSize' | 'getRecvBufferSize'>, bytes: number): number {
  try {
    socket.setRecvBufferSize(bytes);
  } catch {
    // Refused outright (over an OS limit on some systems): what the socket has is what it keeps.
  }
  const reported = socket.getRecvBufferSize();
  return process.platform === 'linux' ? reported / 2 : reported;
}
