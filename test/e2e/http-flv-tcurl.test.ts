import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * The tcUrl of HTTP-FLV and WS-FLV players: SRS's exact value in the SRS dialect (captured from
 * SRS 7: `rtmp://__defaultVhost__/live`), and the host the client used in the notify dialect.
 */

let server: TestServer;
let receiver: Receiver;
let healthy: HealthyStream;

before(async () => {
  receiver = await Receiver.start();
  server = await startTestServer({
    vhosts: {
      __defaultVhost__: {
        http_hooks: { enabled: true, on_play: receiver.url('/srs/on_play') },
        http_notify: { enabled: true, on_play: receiver.url('/notify/on_play') },
      },
    },
  });
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await server.close();
  await receiver.close();
});

/** The SRS and notify on_play bodies for the play whose query carries `marker`. */
async function onPlay(marker: string): Promise<{ srs: { tcUrl: string }; notify: URLSearchParams }> {
  const [srs] = await receiver.waitFor(1, (r) => r.url === '/srs/on_play' && r.body.includes(marker));
  const [notify] = await receiver.waitFor(1, (r) => r.url === '/notify/on_play' && r.body.includes(marker));
  return { srs: JSON.parse(srs!.body) as { tcUrl: string }, notify: new URLSearchParams(notify!.body) };
}

test('an HTTP-FLV player: SRS tcUrl as SRS sends it, notify tcurl with the Host the client used', async () => {
  const request = get({ port: server.httpPort, host: '127.0.0.1', path: '/live/healthy.flv?m=http', headers: { Host: 'cdn.example.com:8080' } });
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  assert.equal(response.statusCode, 200);
  request.destroy();
  const { srs, notify } = await onPlay('m=http');
  assert.equal(srs.tcUrl, 'rtmp://__defaultVhost__/live');
  assert.equal(notify.get('tcurl'), 'http://cdn.example.com:8080/live');
});

test('a WS-FLV player: notify tcurl names the ws URL the client used', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/live/healthy.flv?m=ws`, { headers: { Host: 'cdn.example.com' } });
  await once(ws, 'message');
  ws.close();
  const { srs, notify } = await onPlay('m=ws');
  assert.equal(srs.tcUrl, 'rtmp://__defaultVhost__/live');
  assert.equal(notify.get('tcurl'), 'ws://cdn.example.com/live');
});

test('the healthy stream kept flowing', async () => {
  await healthy.assertServing();
});
