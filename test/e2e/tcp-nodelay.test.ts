import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The server runs in this process: every setNoDelay on a socket is seen here, with the socket's
// peer port, so the server's side of a test client's connection can be told apart.
const noDelayByPeerPort = new Map<number, boolean[]>();
const setNoDelay = Socket.prototype.setNoDelay;
let server: TestServer;

before(async () => {
  Socket.prototype.setNoDelay = function (this: Socket, noDelay?: boolean) {
    if (this.remotePort !== undefined) noDelayByPeerPort.set(this.remotePort, [...(noDelayByPeerPort.get(this.remotePort) ?? []), noDelay !== false]);
    return setNoDelay.call(this, noDelay);
  };
  server = await startTestServer({ vhosts: { __defaultVhost__: {}, lowdelay: { tcp_nodelay: true } } });
});

after(async () => {
  Socket.prototype.setNoDelay = setNoDelay;
  await server.close();
});

/** The server's last setNoDelay on the connection of `client`. */
function serverNoDelay(client: TestRtmpClient): boolean | undefined {
  return noDelayByPeerPort.get(client.socket.localPort!)?.at(-1);
}

test('tcp_nodelay: off by default (as SRS), set on a player once its play starts', async () => {
  const client = await TestRtmpClient.open(server.rtmpPort, 'live');
  assert.equal(await client.play('nodelay-default'), 'NetStream.Play.Start');
  assert.equal(serverNoDelay(client), false);
  client.close();
});

test('tcp_nodelay on in a vhost: its players and publishers get TCP_NODELAY', async () => {
  const tcUrl = `rtmp://lowdelay:${server.rtmpPort}/live`;
  const player = await TestRtmpClient.open(server.rtmpPort, 'live', { tcUrl });
  assert.equal(await player.play('nodelay-on'), 'NetStream.Play.Start');
  assert.equal(serverNoDelay(player), true);
  player.close();

  const publisher = await TestRtmpClient.open(server.rtmpPort, 'live', { tcUrl });
  publisher.command('createStream', 0);
  await publisher.waitForCommand((c) => c.name === '_result' && typeof c.args[0] === 'number');
  publisher.command('publish', 1, 'nodelay-pub', 'live');
  assert.equal(await publisher.waitForStatus(/^NetStream\.Publish\./), 'NetStream.Publish.Start');
  assert.equal(serverNoDelay(publisher), true);
  publisher.close();
});
