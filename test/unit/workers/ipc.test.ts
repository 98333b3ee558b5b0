import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { PeerUnavailable } from '../../../src/api/api-routes.js';
import { IpcChannel, IpcError, type IpcPort } from '../../../src/app/workers/ipc.js';
import { clusterPeers } from '../../../src/app/workers/worker.js';

test('a send the other end can no longer take fails the request, and a note quietly', async () => {
  // As a Worker whose process is exiting: the send is accepted, then calls back with EPIPE.
  const gone: IpcPort = {
    send: (_message, callback) => setImmediate(() => callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))),
    on: () => undefined,
  };
  const channel = new IpcChannel(gone);
  channel.note('conn.elsewhere', 3);
  await assert.rejects(channel.request('api.view', 'streams'), IpcError);
});

test('a question to a worker that is restarting rejects with PeerUnavailable', async () => {
  const [a, b] = [new EventEmitter(), new EventEmitter()];
  const port = (self: EventEmitter, other: EventEmitter): IpcPort => ({
    send: (message) => setImmediate(() => other.emit('message', structuredClone(message))),
    on: (event, listener) => self.on(event, listener),
  });
  const primary = new IpcChannel(port(a, b));
  primary.handle('api.ask', () => {
    throw new Error('worker 1 is restarting');
  });
  const peers = clusterPeers({ env: { index: 2, count: 2, startedAt: 0, linkDir: '', serverId: 's', serviceId: 'v' }, channel: new IpcChannel(port(b, a)) });
  await assert.rejects(peers.ask('pulls.add', {}, 1), (error: unknown) => error instanceof PeerUnavailable && /worker 1/.test(error.message));
});
