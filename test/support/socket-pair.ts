import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';

/** A connected loopback pair: `server` is the side written to, `client` reads. */
export async function socketPair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  await once(client, 'connect');
  return { server, client, close: () => (server.destroy(), client.destroy(), listener.close()) };
}
