import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startCli } from '../support/cli.js';
import { publishTestPattern, type RunningProcess } from '../support/ffmpeg.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { freePort, waitFor } from '../support/wait.js';

/** A callback receiver that admits everything and keeps what it was sent. */
async function startReceiver(): Promise<{ url: string; calls: Array<Record<string, unknown>>; close(): Promise<void> }> {
  const calls: Array<Record<string, unknown>> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      calls.push(JSON.parse(body) as Record<string, unknown>);
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, calls, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A player that keeps reading; `assertReceiving` shows it was never interrupted. */
async function startPlayer(port: number, stream: string): Promise<TestRtmpClient> {
  const player = await TestRtmpClient.open(port, 'live', { keepMedia: false });
  assert.equal(await player.play(stream), 'NetStream.Play.Start');
  return player;
}

async function assertReceiving(player: TestRtmpClient, publisher: RunningProcess): Promise<void> {
  const before = player.mediaBytes;
  await player.waitUntil(() => player.mediaBytes > before + 20_000, 10_000, 'more media for the running player');
  assert.ok(!player.closed, 'the running player is still connected');
  assert.equal(publisher.child.exitCode, null, 'the running publisher is still publishing');
}

const onPlays = (calls: Array<Record<string, unknown>>) => calls.filter((c) => c.action === 'on_play');

describe('reload through the raw API', () => {
  let dir: string;
  let file: string;
  let server: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let publisher: RunningProcess;
  let running: TestRtmpClient;
  // What the test server runs with; the file holds the same, plus what each step changes.
  let base: Record<string, unknown>;
  const writeConfig = (extra: Record<string, unknown> = {}) => writeFile(file, JSON.stringify({ ...base, ...extra }));
  const rpc = async (name: string) => {
    const response = await fetch(`http://127.0.0.1:${server.apiPort}/api/v1/raw?rpc=${name}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const withHooks = () => ({ vhosts: { __defaultVhost__: { http_hooks: { enabled: true, on_play: receiver.url } } } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-reload-'));
    file = join(dir, 'sluice.yaml');
    receiver = await startReceiver();
    base = {
      listen: '127.0.0.1:0',
      http_server: { listen: '127.0.0.1:0', dir: join(dir, 'html') },
      http_api: { listen: '127.0.0.1:0', raw_api: { enabled: true, allow_reload: true } },
      data_dir: dir,
      log_level: 'debug',
    };
    await writeConfig();
    server = await startTestServer(base, () => loadConfig({ file, env: {} }));
    publisher = publishTestPattern(server.rtmpUrl('live/cam'), 300);
    await server.waitForLog((line) => line.msg === 'publish start' && line.stream === 'live/cam');
    running = await startPlayer(server.rtmpPort, 'cam');
  });

  after(async () => {
    running?.close();
    await publisher?.stop();
    await server?.close();
    await receiver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('rpc=raw answers SRS\'s raw API settings', async () => {
    const raw = await rpc('raw');
    assert.deepEqual(raw, {
      code: 0,
      http_api: {
        enabled: true,
        listen: '127.0.0.1:0',
        crossdomain: true,
        raw_api: { enabled: true, allow_reload: true, allow_query: false, allow_update: false },
      },
    });
  });

  it('an on_play hook added to the file calls the receiver on the next play; the running stream goes on', async () => {
    const before = await startPlayer(server.rtmpPort, 'cam');
    before.close();
    assert.equal(onPlays(receiver.calls).length, 0, 'no hooks before the reload');

    await writeConfig(withHooks());
    assert.deepEqual(await rpc('reload'), { code: 0 });
    const next = await startPlayer(server.rtmpPort, 'cam');
    next.close();
    const [call, ...more] = onPlays(receiver.calls);
    assert.equal(call?.stream, 'cam');
    assert.equal(more.length, 0, 'only the new play was called back');
    await assertReceiving(running, publisher);
    assert.equal(((await rpc('reload-fetch')).data as Record<string, unknown>).err, 0);
  });

  it('a broken file is refused with the error; the running configuration is kept', async () => {
    await writeConfig({ ...withHooks(), max_connections: 'lots' });
    const answer = await rpc('reload');
    assert.equal(answer.code, 1023);
    const data = answer.data as Record<string, unknown>;
    assert.match(String(data.msg), /max_connections/);
    await server.waitForLog((line) => line.msg === 'reload refused, the running configuration is kept' && /max_connections/.test(String(line.err)));

    const calls = onPlays(receiver.calls).length;
    const next = await startPlayer(server.rtmpPort, 'cam');
    next.close();
    assert.equal(onPlays(receiver.calls).length, calls + 1, 'the hooks of the running configuration still apply');
    await assertReceiving(running, publisher);
  });

  it('a changed listen address is named in a warning and otherwise ignored', async () => {
    const port = await freePort();
    await writeConfig({ ...withHooks(), listen: `127.0.0.1:${port}` });
    assert.deepEqual(await rpc('reload'), { code: 0 });
    await server.waitForLog((line) => line.level === 40 && line.setting === 'listen');
    const next = await startPlayer(server.rtmpPort, 'cam');
    next.close();
    await assertReceiving(running, publisher);
  });

  it('with the raw API turned off, rpc=reload answers SRS\'s ERROR_SYSTEM_CONFIG_RAW_DISABLED', async () => {
    await writeConfig({ ...withHooks(), http_api: { listen: '127.0.0.1:0', raw_api: { enabled: true, allow_reload: false } } });
    assert.deepEqual(await rpc('reload'), { code: 0 });
    assert.deepEqual(await rpc('reload'), { code: 1061 }, 'allow_reload off');
    assert.deepEqual(await rpc('nonsense'), { code: 1060 }, 'an unknown rpc');
    await server.reload(); // as SIGHUP would, with the raw API off altogether
    await writeConfig({ ...withHooks(), http_api: { listen: '127.0.0.1:0' } });
    await server.reload();
    assert.deepEqual(await rpc('reload'), { code: 1061 }, 'raw_api off');
    const raw = (await rpc('raw')).http_api as Record<string, unknown>;
    assert.deepEqual(raw.raw_api, { enabled: false, allow_reload: false, allow_query: false, allow_update: false }, 'rpc=raw still answers');
    await assertReceiving(running, publisher);
  });
});

test('SIGHUP reloads the config file of the running executable without dropping its sessions', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-hup-'));
  const receiver = await startReceiver();
  const [rtmp, api] = [await freePort(), await freePort()];
  const conf = join(dir, 'srs.conf');
  const settings = `listen 127.0.0.1:${rtmp};\ndaemon off;\nhttp_api { enabled on; listen 127.0.0.1:${api}; }\n` +
    `http_server { enabled off; }\ndata_dir ${dir};\n`;
  await writeFile(conf, `${settings}vhost __defaultVhost__ { }\n`);
  const sluice = startCli(['-c', conf], { cwd: dir });
  const { child, exited } = sluice;
  let publisher: RunningProcess | undefined;
  let running: TestRtmpClient | undefined;
  try {
    await waitFor(() => sluice.output.includes('http api listening'), 'the server to start');
    publisher = publishTestPattern(`rtmp://127.0.0.1:${rtmp}/live/cam`, 300);
    await waitFor(() => sluice.output.includes('"msg":"publish start"'), 'the publisher');
    running = await startPlayer(rtmp, 'cam');

    await writeFile(conf, `${settings}vhost __defaultVhost__ { http_hooks { enabled on; on_play ${receiver.url}; } }\n`);
    child.kill('SIGHUP');
    await waitFor(() => sluice.output.includes('"msg":"configuration reloaded"'), 'the reload');
    const next = await startPlayer(rtmp, 'cam');
    next.close();
    assert.equal(onPlays(receiver.calls).length, 1, 'the new play was called back');
    await assertReceiving(running, publisher);

    await writeFile(conf, `${settings}max_connections lots;\n`);
    child.kill('SIGHUP');
    await waitFor(() => sluice.output.includes('reload refused'), 'the refusal');
    assert.match(sluice.output, /srs\.conf:\d+ max_connections/, 'the log names the file, line and setting');
    const after = await startPlayer(rtmp, 'cam');
    after.close();
    assert.equal(onPlays(receiver.calls).length, 2, 'the running configuration is kept');
    await assertReceiving(running, publisher);
    assert.equal(child.exitCode, null);
  } finally {
    running?.close();
    await publisher?.stop();
    child.kill('SIGTERM');
    await exited;
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
});
