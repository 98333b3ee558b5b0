import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindBatchUdp } from '../../../src/servers/udp-socket.js';
import { claimSharedUdpPort } from '../../../src/app/workers/shared-udp-port.js';
import { ConfigError } from '../../../src/util/errors.js';

test('the primary claims one UDP port for the workers: port 0 becomes a free port, left free for them to share', async () => {
  const port = await claimSharedUdpPort('srt_server.listen', '127.0.0.1', 0);
  assert.ok(port > 0);
  const workers = [await bindBatchUdp('127.0.0.1', port, { onMessage: () => {}, sharePort: true }), await bindBatchUdp('127.0.0.1', port, { onMessage: () => {}, sharePort: true })];
  for (const socket of workers) socket.close();
});

test('a port something else holds, even one shared by another server, stops the start with the setting named', async () => {
  const other = await bindBatchUdp('127.0.0.1', 0, { onMessage: () => {}, sharePort: true });
  try {
    await assert.rejects(claimSharedUdpPort('srt_server.listen', '127.0.0.1', other.port), (e: Error) => e instanceof ConfigError && /^srt_server\.listen: cannot listen on UDP 127\.0\.0\.1:\d+: .*EADDRINUSE/.test(e.message));
  } finally {
    other.close();
  }
});
