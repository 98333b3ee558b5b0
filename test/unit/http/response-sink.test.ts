import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bytesSent } from '../../../src/servers/direct-write.js';
import { ResponseSink } from '../../../src/servers/http-flv/flv-output.js';
import { byteLength, collect, numbered } from '../../support/numbered-bytes.js';

/** A chunked response as HTTP-FLV makes it, and the client's side of it. */
async function chunkedResponse(): Promise<{ response: ServerResponse; client: IncomingMessage; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const responded = once(server, 'request');
  const request = get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/live/s.flv' });
  const [, response] = (await responded) as [IncomingMessage, ServerResponse];
  response.writeHead(200, { 'Content-Type': 'video/x-flv' });
  response.flushHeaders();
  const [client] = (await once(request, 'response')) as [IncomingMessage];
  return { response, client, close: () => (request.destroy(), server.close(), server.closeAllConnections()) };
}

test('batches sent around the response are valid HTTP chunks, in order with what the response writes itself', async () => {
  const { response, client, close } = await chunkedResponse();
  try {
    assert.equal(client.headers['transfer-encoding'], 'chunked');
    const received = collect(client);
    const socket = response.socket!;
    const sink = new ResponseSink(response, () => {});
    const expected: Buffer[] = [];
    for (let n = 0; n < 100; n++) {
      const bytes = numbered(n, 500 + n * 37);
      expected.push(bytes);
      if (n % 7 === 3) response.write(bytes); // as the FLV header is written
      else sink.write(bytes);
      if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    response.end();
    await once(client, 'end');
    assert.ok(received.all().equals(Buffer.concat(expected)));
    assert.ok(bytesSent(socket) > byteLength(expected), 'framing and headers counted too');
    assert.ok(bytesSent(socket) > socket.bytesWritten, 'batches went around the stream');
  } finally {
    close();
  }
});

test('several buffers written at once make one chunk, or one chunk each through the response', async () => {
  const { response, client, close } = await chunkedResponse();
  try {
    const received = collect(client);
    const sink = new ResponseSink(response, () => {});
    const parts = Array.from({ length: 1100 }, (_, n) => numbered(n, 16 + (n % 5) * 100));
    sink.writeAll(parts.slice(0, 50)); // around the response
    response.write(numbered(7777, 10)); // corks the socket: the next go through the response
    sink.writeAll(parts.slice(50));
    response.end();
    await once(client, 'end');
    assert.ok(received.all().equals(Buffer.concat([...parts.slice(0, 50), numbered(7777, 10), ...parts.slice(50)])));
  } finally {
    close();
  }
});

test('a client that stops reading gets the rest through the response, still framed and in order', async () => {
  const { response, client, close } = await chunkedResponse();
  try {
    client.pause();
    const sink = new ResponseSink(response, () => {});
    const expected: Buffer[] = [];
    for (let n = 0; n < 300 && sink.pendingBytes === 0; n++) {
      const bytes = numbered(n, 64 * 1024);
      expected.push(bytes);
      sink.write(bytes);
    }
    assert.ok(sink.pendingBytes > 0, 'the kernel stopped taking bytes and the backlog shows');
    for (let n = 300; n < 310; n++) {
      const bytes = numbered(n, 3000);
      expected.push(bytes);
      sink.write(bytes);
    }
    const received = collect(client);
    client.resume();
    await received.until(byteLength(expected), 'the whole body');
    response.end();
    await once(client, 'end');
    assert.ok(received.all().equals(Buffer.concat(expected)));
  } finally {
    close();
  }
});
