import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpcChannel, IpcError, type IpcPort } from '../../../src/app/workers/ipc.js';

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
