import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bindUdp, sizeReceiveBuffer } from '../../../src/servers/listen.js';

// Linux grants a receive buffer up to net.core.rmem_max and reports it doubled: what the server
// logs as granted must be what datagrams can actually fill.
test('the UDP receive buffer granted is what was asked, up to net.core.rmem_max', async () => {
  const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const socket = await bindUdp('127.0.0.1', 0);
  try {
    assert.equal(sizeReceiveBuffer(socket, 131072), Math.min(131072, rmemMax));
    assert.equal(sizeReceiveBuffer(socket, rmemMax * 4), rmemMax);
  } finally {
    socket.close();
  }
});
