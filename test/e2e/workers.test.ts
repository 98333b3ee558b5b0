import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { Agent, get as httpGet, request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCli, type RunningCli } from '../support/cli.js';
import { decodeErrors, ffprobe, playToFile, publishTestPattern, rtmpdump, type RunningProcess } from '../support/ffmpeg.js';
import type { Page } from 'playwright-core';
import { launchChromium, servePage } from '../support/browser.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { TestRtspClient } from '../support/rtsp-client.js';
import { WEBRTC_PAGE, launchWebRtcChromium, startPeer, waitForFigures } from '../support/webrtc.js';
import { freePort, waitFor, waitForAsync } from '../support/wait.js';
import { recvonlyOffer, readAnswer } from '../../bench/webrtc/offer.js';
import { generateCertificate } from '../../src/protocols/webrtc/certificate.js';
import { DtlsClient } from '../../src/protocols/webrtc/dtls/index.js';
import { FrameReader, frame } from '../../src/protocols/webrtc/ice-tcp/framing.js';
import { classifyPacket } from '../../src/protocols/webrtc/stun/demux.js';
import { silentLogger } from '../../src/util/logger.js';
import { verifyIntegrity } from '../../src/protocols/webrtc/stun/binding.js';
import { STUN_BINDING, decodeStun, encodeStun } from '../../src/protocols/webrtc/stun/message.js';
import { Receiver } from '../unit/gate/support.js';

/**
 * `workers 2` end to end: the built CLI, real ffmpeg and rtmpdump clients, a real callback
 * receiver. Connections land on both workers; the stream published on one plays on the other.
 */

let dir: string;
let receiver: Receiver;
let sluice: RunningCli;
/** The config the server started with, without the limits the tests add. */
let baseConfig: string;
const ports = { rtmp: 0, api: 0, http: 0 };
const publishers: RunningProcess[] = [];

interface Client {
  id: string;
  name: string;
  type: string;
  publish: boolean;
  worker: number;
  send_bytes: number;
  ip: string;
}
interface Hook {
  action: string;
  client_id: string;
  stream: string;
}

const api = async <T>(path: string, method = 'GET'): Promise<T> => {
  const response = await fetch(`http://127.0.0.1:${ports.api}${path}`, { method });
  return (await response.json()) as T;
};
const clients = async (stream: string): Promise<Client[]> => (await api<{ clients: Client[] }>('/api/v1/clients?count=1000')).clients.filter((c) => c.name === stream);
const hooks = (): Hook[] => receiver.requests.map((r) => JSON.parse(r.body) as Hook);
/** The server's log lines (of the primary and both workers) with message `msg`. */
const logLines = (msg: string): Array<Record<string, unknown>> =>
  sluice.output.split('\n').filter((line) => line.includes(`"msg":"${msg}"`)).map((line) => JSON.parse(line) as Record<string, unknown>);
/** The pid each worker logged when it was last ready. */
const workerPids = (): Map<number, number> => {
  const pids = new Map<number, number>();
  for (const line of sluice.output.split('\n')) {
    const match = /"worker":(\d+),"pid":(\d+),"msg":"worker ready"/.exec(line);
    if (match) pids.set(Number(match[1]), Number(match[2]));
  }
  return pids;
};
/** Requests on one kept-alive connection that landed on `worker`: its answers are that worker's. */
const onWorker = async (worker: number): Promise<{ call: <T>(path: string, method?: string, body?: unknown) => Promise<{ status: number; body: T }>; close(): void }> => {
  for (;;) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const call = <T>(path: string, method = 'GET', body?: unknown) => new Promise<{ status: number; body: T }>((resolve, reject) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const request = httpRequest(`http://127.0.0.1:${ports.api}${path}`, { method, agent, headers: text ? { 'Content-Type': 'application/json' } : {} }, (response) => {
        let answer = '';
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: (answer ? JSON.parse(answer) : undefined) as T }));
      });
      request.on('error', reject);
      request.end(text);
    });
    const { body } = await call<{ pid: string }>('/api/v1/versions');
    if (Number(body.pid) === workerPids().get(worker)) return { call, close: () => agent.destroy() };
    agent.destroy();
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-workers-'));
  receiver = await Receiver.start();
  Object.assign(ports, { rtmp: await freePort(), api: await freePort(), http: await freePort() });
  const hook = (event: string) => `${event} ${receiver.url(`/api/v1/${event}`)};`;
  const conf = join(dir, 'sluice.conf');
  baseConfig = [
    `listen 127.0.0.1:${ports.rtmp};`,
    'workers 2;',
    `data_dir ${join(dir, 'data')};`,
    `http_api { enabled on; listen 127.0.0.1:${ports.api}; }`,
    `http_server { enabled on; listen 127.0.0.1:${ports.http}; dir ${dir}; }`,
    'rtc_server { enabled on; listen 127.0.0.1:0; candidate 127.0.0.1; tcp { enabled on; listen 127.0.0.1:0; } }',
    'srt_server { enabled on; listen 127.0.0.1:0; }',
    'rtsp_server { enabled on; listen 127.0.0.1:0; udp on; rtp_port 0; }',
    'vhost __defaultVhost__ {',
    '  rtc { enabled on; rtmp_to_rtc on; rtc_to_rtmp on; }',
    `  hls { enabled on; hls_path ${join(dir, 'hls')}; hls_fragment 1; hls_window 4; }`,
    '  http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }',
    `  http_hooks { enabled on; ${['on_publish', 'on_unpublish', 'on_play', 'on_stop'].map(hook).join(' ')} }`,
    '}',
    // WebRTC with SRS's defaults: no bridge to or from the other protocols.
    'vhost localhost { rtc { enabled on; } }',
  ].join('\n');
  await writeFile(conf, baseConfig);
  // Its own process group, so the last test can signal the whole group as a terminal or a container runtime does.
  sluice = startCli(['-c', conf], { cwd: dir, detached: true });
  await waitFor(() => sluice.output.includes('"msg":"workers started"'), 'both workers ready', 20_000);
});

after(async () => {
  for (const publisher of publishers) await publisher.stop();
  if (sluice.child.exitCode === null) sluice.child.kill('SIGKILL');
  for (const pid of workerPids().values()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

test('players on both workers get the stream; one on_publish, one on_play each; one stream in the API', async () => {
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/cam`, 60);
  publishers.push(publisher);
  await waitForAsync(async () => (await clients('cam')).some((c) => c.publish), 'the publisher in the API', 20_000);
  const players: Array<{ file: string; run: RunningProcess }> = [];
  for (let i = 0; i < 8; i++) {
    const file = join(dir, `play-${i}.flv`);
    const url = `rtmp://127.0.0.1:${ports.rtmp}/live/cam`;
    players.push({ file, run: i % 2 === 0 ? rtmpdump(url, 5, file) : playToFile(url, 4, file) });
  }
  const seen = await waitForAsync(async () => {
    const all = await clients('cam');
    return all.filter((c) => !c.publish).length === 8 && all;
  }, 'eight players in the API', 20_000);
  const workers = new Set(seen.filter((c) => !c.publish).map((c) => c.worker));
  assert.deepEqual([...workers].sort(), [1, 2], 'players landed on both workers');
  assert.equal(new Set(seen.map((c) => c.id)).size, 9, 'client ids unique across workers');
  for (const client of seen) assert.equal(client.id[0], String(client.worker), 'a client id starts with its worker');

  // Whichever worker answers, one stream with the publisher and every player.
  const answers = await Promise.all(Array.from({ length: 4 }, () => api<{ pid: string; streams: Array<{ name: string; clients: number; publish: { active: boolean } }> }>('/api/v1/streams')));
  assert.ok(new Set(answers.map((a) => a.pid)).size > 1, 'both workers answered');
  for (const answer of answers) {
    const cams = answer.streams.filter((s) => s.name === 'cam');
    assert.equal(cams.length, 1);
    assert.equal(cams[0]!.clients, 9);
    assert.equal(cams[0]!.publish.active, true);
  }

  // The vhost's figures and the resource usage are the server's too.
  const usages = await Promise.all(Array.from({ length: 4 }, async () => {
    const vhosts = await api<{ vhosts: Array<{ name: string; clients: number; streams: number }> }>('/api/v1/vhosts');
    assert.deepEqual(vhosts.vhosts.map((v) => [v.name, v.clients, v.streams]), [['__defaultVhost__', 9, 1]]);
    const [rusages, summaries] = [await api<{ data: { ru_maxrss: number } }>('/api/v1/rusages'), await api<{ data: { self: { mem_kbyte: number } } }>('/api/v1/summaries')];
    return [rusages.data.ru_maxrss, summaries.data.self.mem_kbyte];
  }));
  for (const [server, self] of usages) assert.ok(server! > self!, 'the primary and every worker add up');
  assert.equal(hooks().filter((h) => h.action === 'on_publish' && h.stream === 'cam').length, 1);
  // /metrics sums every worker: eight players, one publisher, one stream.
  const metrics = await (await fetch(`http://127.0.0.1:${ports.api}/metrics`)).text();
  assert.match(metrics, /^sluice_sessions\{protocol="rtmp",kind="play"\} 8$/m);
  assert.match(metrics, /^sluice_sessions\{protocol="rtmp",kind="publish"\} 1$/m);
  assert.match(metrics, /^sluice_streams 1$/m);
  // The primary's callback figures are in it, and the server is one build.
  assert.match(metrics, /^sluice_callback_duration_seconds_count\{event="on_publish",outcome="allowed"\} 1$/m);
  assert.match(metrics, /^sluice_build_info\{[^}]*\} 1$/m);

  // A second publisher is refused whichever worker it lands on (as in one process: after its on_publish).
  for (let i = 0; i < 2; i++) {
    const second = await TestRtmpClient.open(ports.rtmp, 'live');
    assert.equal(await second.publish('cam'), 'NetStream.Publish.BadName');
    second.close();
  }

  for (const { run } of players) await run.exited;
  for (const { file } of players) {
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
    assert.ok(Number(probe.format.duration) > 2, `${file} holds media`);
  }
  const plays = hooks().filter((h) => h.action === 'on_play' && h.stream === 'cam');
  assert.equal(plays.length, 8);
  assert.equal(new Set(plays.map((h) => h.client_id)).size, 8);
  await waitFor(() => hooks().filter((h) => h.action === 'on_stop' && h.stream === 'cam').length === 8, 'an on_stop per player');
});

test('a worker killed is restarted; players on the other worker keep playing', async () => {
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/kill`, 60);
  publishers.push(publisher);
  const home = await waitForAsync(async () => (await clients('kill')).find((c) => c.publish)?.worker, 'the publisher in the API', 20_000);
  const other = home === 1 ? 2 : 1;
  const url = `rtmp://127.0.0.1:${ports.rtmp}/live/kill`;
  const players = Array.from({ length: 4 }, (_, i) => ({ file: join(dir, `kill-${i}.flv`), run: rtmpdump(url, 30, join(dir, `kill-${i}.flv`)) }));
  const seen = await waitForAsync(async () => {
    const all = (await clients('kill')).filter((c) => !c.publish);
    return all.length === 4 && new Set(all.map((c) => c.worker)).size === 2 && all;
  }, 'players on both workers', 20_000);
  const victim = workerPids().get(other)!;
  process.kill(victim, 'SIGKILL');
  await waitFor(() => (workerPids().get(other) ?? victim) !== victim, 'the killed worker restarted', 20_000);
  assert.match(sluice.output, /worker died, restarting/);

  // The publisher's worker kept serving its players: they are still there, and still receiving.
  const survivors = seen.filter((c) => c.worker === home).map((c) => c.id);
  const bytes = async (): Promise<number> => (await clients('kill')).filter((c) => survivors.includes(c.id)).reduce((sum, c) => sum + c.send_bytes, 0);
  const before = await bytes();
  await waitForAsync(async () => (await bytes()) > before + 10_000, 'bytes still flowing to the surviving players');
  assert.equal((await clients('kill')).filter((c) => survivors.includes(c.id)).length, survivors.length);

  // The restarted worker serves the stream again through the relay.
  const fresh = Array.from({ length: 4 }, (_, i) => ({ file: join(dir, `fresh-${i}.flv`), run: playToFile(url, 3, join(dir, `fresh-${i}.flv`)) }));
  for (const { run } of fresh) await run.exited;
  for (const { file } of fresh) assert.ok(statSync(file).size > 10_000, `${file} holds media`);
  // Kicks reach the worker that holds the client, whichever worker takes the DELETE.
  for (const id of (await clients('kill')).filter((c) => !c.publish).map((c) => c.id)) {
    const kicked = await api<{ code: number }>(`/api/v1/clients/${id}`, 'DELETE');
    assert.equal(kicked.code, 0);
  }
  await waitForAsync(async () => (await clients('kill')).every((c) => c.publish), 'every kicked player gone');
  for (const { run } of players) await run.exited;
});

test('SRT: every worker listens on the one shared port; players land on both, and a stream published over SRT on one plays on the other', async () => {
  const srtPorts = new Set([...sluice.output.matchAll(/"address":"127\.0\.0\.1:(\d+)","msg":"srt listening"/g)].map((match) => Number(match[1])));
  assert.equal(srtPorts.size, 1, 'one port for both workers');
  const srt = (streamId: string): string => `srt://127.0.0.1:${[...srtPorts][0]}?streamid=${streamId}`;
  for (const worker of [1, 2]) {
    const on = await onWorker(worker);
    const { body } = await on.call<{ listeners: { srt: number | null } }>('/api/sluice/v1/server');
    on.close();
    assert.equal(body.listeners.srt, [...srtPorts][0], `worker ${worker} gives the SRT port`);
  }
  publishers.push(publishTestPattern(srt('#!::r=live/srtcam,m=publish'), 60, { container: 'mpegts' }));
  await waitForAsync(async () => (await clients('srtcam')).some((c) => c.publish), 'the SRT publisher in the API', 20_000);
  // The kernel gives each player (by its address) to one worker: batches until both have some.
  const files: string[] = [];
  const workers = new Set<number>();
  for (let batch = 0; batch < 4 && workers.size < 2; batch++) {
    const runs = Array.from({ length: 4 }, (_, i) => {
      const file = join(dir, `srt-${batch}-${i}.ts`);
      files.push(file);
      return playToFile(srt('#!::r=live/srtcam,m=request'), 3, file, []);
    });
    // Each is seen while it plays: on a loaded machine the first may be done before the last starts.
    const seen = new Map<string, number>();
    await waitForAsync(async () => {
      for (const client of (await clients('srtcam')).filter((c) => !c.publish)) seen.set(client.id, client.worker);
      return seen.size >= 4;
    }, 'four SRT players in the API', 20_000);
    for (const worker of seen.values()) workers.add(worker);
    for (const run of runs) await run.exited;
    await waitForAsync(async () => (await clients('srtcam')).every((c) => c.publish), 'the players gone');
  }
  assert.deepEqual([...workers].sort(), [1, 2], 'SRT players landed on both workers');
  for (const file of files) {
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
  }
  // The SRT publish also plays over RTMP, from either worker.
  const rtmpFile = join(dir, 'srt-over-rtmp.flv');
  await playToFile(`rtmp://127.0.0.1:${ports.rtmp}/live/srtcam`, 2, rtmpFile).exited;
  assert.deepEqual((await ffprobe(rtmpFile)).streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
});

test('RTSP: every worker serves the one TCP port with its own UDP pair; a stream published over RTSP on one worker plays over RTSP/TCP and UDP on the other', async () => {
  // Each worker's last start (the test above restarted one).
  const listening = [...new Map(logLines('rtsp listening').map((line) => [line.worker, line])).values()];
  assert.deepEqual(listening.map((line) => line.worker).sort(), [1, 2]);
  const address = String(listening[0]!.address);
  assert.equal(listening[1]!.address, address, 'one TCP port for both workers');
  const port = Number(address.split(':')[1]);
  const pairs = listening.map((line) => [Number(line.rtp_port), Number(line.rtcp_port)] as const);
  for (const [rtp, rtcp] of pairs) assert.equal(rtcp, rtp + 1);
  assert.notEqual(pairs[0]![0], pairs[1]![0], 'a UDP pair of its own for each worker');
  const rtsp = (name: string): string => `rtsp://${address}/live/${name}`;

  // Cluster hands each connection to a worker in turn: RTSP publishers until both workers have one.
  const rtspPublishers: RunningProcess[] = [];
  const home = new Map<string, number>();
  for (let i = 0; i < 4 && new Set(home.values()).size < 2; i++) {
    const name = `rtsp-${i}`;
    const publisher = publishTestPattern(rtsp(name), 60, { container: 'rtsp' });
    rtspPublishers.push(publisher);
    publishers.push(publisher);
    home.set(name, await waitForAsync(async () => (await clients(name)).find((c) => c.publish)?.worker, `the RTSP publisher of ${name} in the API`, 20_000));
  }
  assert.deepEqual([...new Set(home.values())].sort(), [1, 2], 'RTSP publishers landed on both workers');
  const streams = [1, 2].map((worker) => [...home].find(([, at]) => at === worker)![0]);

  // A session is its connection's, so its worker's: SETUP answers with that worker's pair, and a PLAY naming it on another connection is 454.
  const [setupOn, playOn] = [await TestRtspClient.open(port), await TestRtspClient.open(port)];
  try {
    assert.equal((await setupOn.request('DESCRIBE', rtsp(streams[0]!))).status, 200);
    const setup = await setupOn.request('SETUP', `${rtsp(streams[0]!)}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=40000-40001' });
    assert.equal(setup.status, 200);
    const serverPorts = /server_port=(\d+)-(\d+)/.exec(setup.headers.get('transport') ?? '')?.slice(1).map(Number);
    assert.ok(pairs.some(([rtp, rtcp]) => serverPorts?.[0] === rtp && serverPorts[1] === rtcp), `server_port ${String(serverPorts)} is a worker's pair`);
    const session = setup.headers.get('session')!.split(';')[0]!;
    assert.equal((await playOn.request('PLAY', rtsp(streams[0]!), { Session: session })).status, 454);
  } finally {
    setupOn.close();
    playOn.close();
  }

  // Players of both streams over each transport, in batches until each transport has played on the worker without the publisher.
  const crossed = new Set<string>();
  const files: string[] = [];
  for (let batch = 0; batch < 4 && crossed.size < 2; batch++) {
    const startsBefore = logLines('play start').length;
    const runs = ['tcp', 'udp'].flatMap((transport) => streams.map((name) => {
      const file = join(dir, `${name}-${batch}-${transport}.mkv`);
      files.push(file);
      return playToFile(rtsp(name), 3, file, ['-rtsp_transport', transport, '-timeout', '15000000']);
    }));
    for (const run of runs) assert.equal(await run.exited, 0, run.stderr());
    for (const start of logLines('play start').slice(startsBefore)) {
      const name = String(start.stream).replace(/^live\//u, '');
      if (start.protocol === 'rtsp' && home.has(name) && start.worker !== home.get(name)) crossed.add(String(start.transport));
    }
  }
  assert.deepEqual([...crossed].sort(), ['tcp', 'udp'], 'played over TCP and UDP on the worker without the publisher');
  for (const file of files) {
    const probe = await ffprobe(file);
    assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
    assert.ok(Number(probe.format.duration) > 2, `${file} holds media`);
    // Over UDP a datagram the loaded machine drops is a decode error of the client's, not the server's.
    if (file.endsWith('-tcp.mkv')) assert.equal(await decodeErrors(file), '', file);
  }
  for (const publisher of rtspPublishers) await publisher.stop();
});

test('WebRTC runs on every worker: sessions on both, and every check answered by its session\'s worker, whichever worker reads it (UDP) or takes it (ICE-TCP)', async () => {
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/rtc`, 60, { gop: 25 });
  publishers.push(publisher);
  await waitForAsync(async () => (await clients('rtc')).some((c) => c.publish), 'the publisher in the API', 20_000);
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  const sockets: Array<{ close(): void }> = [];
  try {
    // Four offers: round-robin lands them on both workers' API listeners, and each is played there.
    const sessions: Array<{ ufrag: string; pwd: string; remote: string; location: string }> = [];
    for (let i = 0; i < 4; i++) {
      const page = await browser.newPage();
      await page.goto(url);
      const answer = await startPeer(page, `http://127.0.0.1:${ports.api}/rtc/v1/whep/?app=live&stream=rtc`, 'play');
      assert.equal(answer.status, 201, answer.text);
      await waitForFigures(page, (f) => (f.in_video?.framesDecoded ?? 0) > 10, 'video decoded');
      const offer = (await page.evaluate('window.pc.localDescription.sdp')) as string;
      sessions.push({ ufrag: sdpLine(answer.text, 'ice-ufrag'), pwd: sdpLine(answer.text, 'ice-pwd'), remote: sdpLine(offer, 'ice-ufrag'), location: answer.location! });
    }
    const players = (await clients('rtc')).filter((c) => c.type === 'rtc-play');
    assert.deepEqual([...new Set(players.map((c) => c.worker))].sort(), [1, 2], 'sessions on both workers');
    assert.ok(players.every((c) => c.ip === '127.0.0.1'));
    assert.deepEqual(new Set(sessions.map((session) => session.ufrag.slice(-2))), new Set(['01', '02']), "a session's ufrag names its worker");
    const [udpPort] = new Set(logLines('rtc listening').map((line) => Number(/:(\d+)$/.exec(String(line.address))![1])));
    const tcpPorts = new Set(logLines('rtc listening over tcp').map((line) => Number(/:(\d+)$/.exec(String(line.address))![1])));
    assert.equal(tcpPorts.size, 1, 'one ICE-TCP port for both workers');

    // Checks from eight more addresses: the kernel gives each address to one worker, which
    // answers the checks of its own sessions and passes the others' on. Only the session's own
    // worker knows its password, which signs the answer.
    for (let i = 0; i < 8; i++) {
      const socket = createSocket('udp4');
      sockets.push(socket);
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const answers: Buffer[] = [];
      socket.on('message', (message) => answers.push(message));
      const checks = sessions.map((session) => ({ session, check: connectivityCheck(session) }));
      for (const { check } of checks) socket.send(check.datagram, udpPort!, '127.0.0.1');
      await waitFor(() => answers.length === checks.length, `address ${i}: an answer to each check`, 5_000);
      for (const { session, check } of checks) assertAnswered(answers, check.transactionId, session.pwd);
    }

    // ICE-TCP: a connection lands on either worker; one whose check names the other worker's
    // session is handed to it with what it sent, and answered there.
    for (const session of sessions) {
      for (let i = 0; i < 2; i++) {
        const check = connectivityCheck(session);
        const connection = createConnection([...tcpPorts][0]!, '127.0.0.1');
        sockets.push({ close: () => connection.destroy() });
        const reader = new FrameReader();
        const answers: Buffer[] = [];
        connection.on('data', (data) => reader.push(data, (packet) => answers.push(Buffer.from(packet))));
        connection.write(frame(check.datagram));
        await waitFor(() => answers.length === 1, `an answer over ICE-TCP to session ${session.ufrag}`, 5_000);
        assertAnswered(answers, check.transactionId, session.pwd);
      }
    }

    // A whole session over ICE-TCP (DTLS, then media), on a connection handed over or not. The
    // API and ICE-TCP ports take turns between the workers apart: a connection opened and closed
    // between the two sessions shifts one against the other, so one of them is handed over.
    const handedBefore = logLines("rtc tcp connection handed to its session's worker").length;
    await playOverIceTcp([...tcpPorts][0]!);
    const shift = createConnection([...tcpPorts][0]!, '127.0.0.1');
    await new Promise((resolve) => shift.on('connect', resolve));
    shift.destroy();
    await playOverIceTcp([...tcpPorts][0]!);
    assert.ok(logLines("rtc tcp connection handed to its session's worker").length > handedBefore, 'a connection was handed over');

    // Each resource URL ends its session, whichever worker takes the DELETE.
    for (const session of sessions) {
      const deleted = await fetch(`http://127.0.0.1:${ports.api}${session.location}`, { method: 'DELETE' });
      assert.equal(deleted.status, 200, session.location);
    }
    await waitForAsync(async () => (await clients('rtc')).every((c) => c.type !== 'rtc-play'), 'every WebRTC player gone');
  } finally {
    for (const socket of sockets) socket.close();
    await browser.close();
    pages.close();
  }
});

/**
 * A WHEP session of a headless peer (the WebRTC bench's offer, Sluice's own DTLS client and SRTP)
 * over ICE-TCP: checked in, DTLS done and media received over the one connection, then deleted.
 */
async function playOverIceTcp(tcpPort: number): Promise<void> {
  const certificate = generateCertificate();
  const identity = { ufrag: randomBytes(4).toString('hex'), pwd: randomBytes(12).toString('hex'), fingerprint: certificate.fingerprint };
  const offered = await fetch(`http://127.0.0.1:${ports.api}/rtc/v1/whep/?app=live&stream=rtc`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: recvonlyOffer(identity) });
  const text = await offered.text();
  assert.equal(offered.status, 201, text);
  const answer = readAnswer(text);
  const connection = createConnection(tcpPort, '127.0.0.1');
  const reader = new FrameReader();
  let checked = false;
  let media = 0;
  const dtls = new DtlsClient({
    certificate,
    send: (datagram) => connection.write(frame(datagram)),
    expectedFingerprint: answer.fingerprint,
    onConnected: () => undefined,
    onClose: () => undefined,
    log: silentLogger(),
  });
  connection.on('data', (data) => reader.push(data, (packet) => {
    const kind = classifyPacket(packet);
    if (kind === 'stun' && decodeStun(packet).class === 'success') checked = true;
    else if (kind === 'dtls') dtls.handle(Buffer.from(packet));
    else if (kind === 'rtp') media++;
  }));
  try {
    const check = encodeStun({ method: STUN_BINDING, class: 'request', transactionId: randomBytes(12), username: `${answer.ufrag}:${identity.ufrag}`, priority: 1, iceControlling: 1n, useCandidate: true, integrityKey: answer.pwd, fingerprint: true });
    connection.write(frame(check));
    await waitFor(() => checked, 'the check answered over ICE-TCP', 5_000);
    dtls.start();
    await waitFor(() => media > 10, 'media over ICE-TCP after DTLS', 10_000);
  } finally {
    dtls.close();
    connection.destroy();
    const location = offered.headers.get('location');
    if (location) await fetch(`http://127.0.0.1:${ports.api}${location}`, { method: 'DELETE' });
  }
}

/** An SDP attribute's value (`a=name:value`). */
function sdpLine(sdp: string, name: string): string {
  return new RegExp(`^a=${name}:(\\S+)`, 'm').exec(sdp)![1]!;
}

/** A binding request as the session's browser would send it: signed with the server's password. */
function connectivityCheck(session: { ufrag: string; pwd: string; remote: string }): { datagram: Buffer; transactionId: Buffer } {
  const transactionId = randomBytes(12);
  const datagram = encodeStun({ method: STUN_BINDING, class: 'request', transactionId, username: `${session.ufrag}:${session.remote}`, priority: 1, iceControlling: 1n, integrityKey: session.pwd, fingerprint: true });
  return { datagram, transactionId };
}

function assertAnswered(answers: Buffer[], transactionId: Buffer, pwd: string): void {
  const answer = answers.map((datagram) => decodeStun(datagram)).find((message) => message.transactionId.equals(transactionId));
  assert.ok(answer, 'the check was answered');
  assert.equal(answer.class, 'success');
  assert.ok(verifyIntegrity(answer, pwd), "signed with the session's password");
}

test("WebRTC across workers: a WHIP publish plays over WHEP on the other worker with its own Opus, bridges off; an RTMP stream's Opus is transcoded once, on its publisher's worker", async () => {
  const { server: pages, url } = await servePage(WEBRTC_PAGE, {});
  const browser = await launchWebRtcChromium();
  /** Opens WHEP players of `stream` until one lands on `worker`; returns its page and resource. */
  const playOn = async (worker: number, endpoint: string, stream: string): Promise<{ page: Page; location: string }> => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = new Set((await clients(stream)).map((c) => c.id));
      const page = await browser.newPage();
      await page.goto(url);
      const answer = await startPeer(page, endpoint, 'play');
      assert.equal(answer.status, 201, answer.text);
      const session = await waitForAsync(async () => (await clients(stream)).find((c) => c.type === 'rtc-play' && !before.has(c.id)), 'the player in the API');
      if (session.worker === worker) return { page, location: answer.location! };
      await fetch(`http://127.0.0.1:${ports.api}${answer.location}`, { method: 'DELETE' });
      await page.close();
    }
    throw new Error(`no WHEP player landed on worker ${worker}`);
  };
  try {
    // The vhost "localhost": a page's requests to localhost name it.
    const publisherPage = await browser.newPage();
    await publisherPage.goto(url);
    const published = await startPeer(publisherPage, `http://localhost:${ports.api}/rtc/v1/whip/?app=live&stream=web`, 'publish');
    assert.equal(published.status, 201, published.text);
    await waitForFigures(publisherPage, (f) => f.state === 'connected' && (f.out_audio?.packets ?? 0) > 20, 'the WHIP publisher sends');
    const publisherWorker = (await waitForAsync(async () => (await clients('web')).find((c) => c.publish), 'the WHIP publisher in the API')).worker;
    const { page: viewer } = await playOn(3 - publisherWorker, `http://localhost:${ports.api}/rtc/v1/whep/?app=live&stream=web`, 'web');
    await waitForFigures(viewer, (f) => (f.in_video?.framesDecoded ?? 0) > 10, "the other worker's WHEP player decodes video");
    await waitForFigures(viewer, (f) => (f.in_audio?.audioEnergy ?? 0) > 0, "it hears the publisher's Opus");
    await viewer.close();
    await publisherPage.close();

    // An RTMP stream (AAC) with WebRTC players on both workers: one AAC to Opus ffmpeg, a child of the publisher's worker.
    const source = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/opus`, 60, { gop: 25 });
    publishers.push(source);
    const sourceWorker = (await waitForAsync(async () => (await clients('opus')).find((c) => c.publish), 'the RTMP publisher in the API', 20_000)).worker;
    const endpoint = `http://127.0.0.1:${ports.api}/rtc/v1/whep/?app=live&stream=opus`;
    const players = [await playOn(1, endpoint, 'opus'), await playOn(2, endpoint, 'opus')];
    for (const { page } of players) await waitForFigures(page, (f) => (f.in_audio?.audioEnergy ?? 0) > 0 && (f.in_video?.framesDecoded ?? 0) > 10, 'a WHEP player on each worker hears and sees the stream');
    const transcoders = () => opusTranscoders().map((pid) => parentOf(pid));
    const expected = workerPids().get(sourceWorker);
    await waitFor(() => transcoders().length === 1 && transcoders()[0] === expected, "one transcoder, run by the publisher's worker", 5_000);
    for (const { location } of players) assert.equal((await fetch(`http://127.0.0.1:${ports.api}${location}`, { method: 'DELETE' })).status, 200);
    await waitFor(() => transcoders().length === 0, 'the transcoder stops with the last player', 15_000);
    for (const { page } of players) await page.close();
  } finally {
    await browser.close();
    pages.close();
  }
});

/** The server's AAC to Opus ffmpeg children. */
function opusTranscoders(): number[] {
  const workers = new Set(workerPids().values());
  return readdirSync('/proc').filter((name) => /^\d+$/u.test(name)).map(Number).filter((pid) => {
    try {
      return workers.has(parentOf(pid)) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('libopus');
    } catch {
      return false;
    }
  });
}

function parentOf(pid: number): number {
  // The command name in brackets may hold spaces; the parent follows it.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test('HLS plays from whichever worker takes the request', async () => {
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/hls`, 60);
  publishers.push(publisher);
  const playlist = `http://127.0.0.1:${ports.http}/live/hls.m3u8`;
  // A new connection each time, so round-robin gives both workers some.
  const get = (url: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
    httpGet(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  await waitForAsync(async () => (await get(playlist)).status === 200, 'the playlist', 20_000);
  for (let i = 0; i < 6; i++) {
    const answer = await get(playlist);
    assert.equal(answer.status, 200);
    assert.match(answer.body, /^#EXTM3U/);
  }
  const file = join(dir, 'hls.ts');
  const player = playToFile(playlist, 3, file, []);
  assert.equal(await player.exited, 0, player.stderr());
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);

  // A viewer's session is on one worker; the segments it fetches count there, whichever worker serves them.
  const master = (await get(playlist)).body;
  const variant = new URL(master.split('\n').find((line) => line.includes('hls_ctx='))!, playlist);
  const ctx = variant.searchParams.get('hls_ctx')!;
  const segments = (await get(variant.href)).body.split('\n').filter((line) => line.includes('.ts'));
  const fetchBytes = (url: string) => new Promise<number>((resolve, reject) => {
    httpGet(url, { agent: false }, (response) => {
      let length = 0;
      response.on('data', (chunk: Buffer) => (length += chunk.length));
      // A segment that left the window meanwhile is not served, and not counted.
      response.on('end', () => resolve(response.statusCode === 200 ? length : 0));
    }).on('error', reject);
  });
  let bytes = 0;
  for (let i = 0; i < 4; i++) {
    for (const segment of segments) bytes += await fetchBytes(new URL(segment, variant).href);
  }
  assert.ok(bytes > 0, 'segments were served');
  const viewer = await waitForAsync(async () => {
    const found = (await api<{ clients: Client[] }>('/api/v1/clients?count=1000')).clients.find((c) => c.id === ctx);
    return found && found.send_bytes >= bytes && found;
  }, `the viewer's bytes (${bytes} in segments) counted by its worker`, 5_000);
  assert.equal(viewer.type, 'hls-play');
});

test("Sluice's own API answers for the whole server from either worker", async () => {
  const publisher = publishTestPattern(`rtmp://127.0.0.1:${ports.rtmp}/live/own`, 60);
  publishers.push(publisher);
  const home = await waitForAsync(async () => (await clients('own')).find((c) => c.publish)?.worker, 'the publisher in the API', 20_000);
  const away = home === 1 ? 2 : 1;
  const url = `rtmp://127.0.0.1:${ports.rtmp}/live/own`;
  const players = Array.from({ length: 4 }, (_, i) => rtmpdump(url, 30, join(dir, `own-${i}.flv`)));
  await waitForAsync(async () => {
    const all = (await clients('own')).filter((c) => !c.publish);
    return all.length === 4 && new Set(all.map((c) => c.worker)).size === 2;
  }, 'players on both workers', 20_000);
  const [atHome, atAway] = [await onWorker(home), await onWorker(away)];
  const own = '/api/sluice/v1';
  try {
    type Stream = { id: string; name: string; publishing: boolean; publisher: { id: string } | null; readers: Array<{ internal: boolean }> };
    for (const at of [atHome, atAway]) {
      const { body } = await at.call<{ streams: Stream[] }>(`${own}/streams`);
      const streams = body.streams.filter((s) => s.name === 'own');
      assert.equal(streams.length, 1, 'one stream, whichever worker answers');
      assert.ok(streams[0]!.publishing && streams[0]!.publisher);
      assert.equal(streams[0]!.readers.filter((r) => !r.internal).length, 4);
      const sessions = await at.call<{ sessions: Array<{ id: string }> }>(`${own}/sessions?stream=${streams[0]!.id}`);
      assert.equal(sessions.body.sessions.length, 5);
      const one = await at.call<{ id: string }>(`${own}/sessions/${streams[0]!.publisher!.id}`);
      assert.equal(one.status, 200);
      const figures = await at.call<{ sessions: { publishers: number; players: number } }>(`${own}/figures`);
      assert.ok(figures.body.sessions.players >= 4 && figures.body.sessions.publishers >= 1);
      const deliveries = await at.call<{ deliveries: Array<{ event: string }> }>(`${own}/callbacks/deliveries?event=on_publish`);
      assert.ok(deliveries.body.deliveries.length > 0, 'the primary keeps the delivery log');
    }
    const started = await Promise.all([atHome, atAway].map(async (at) => (await at.call<{ startedAt: number }>(`${own}/server`)).body.startedAt));
    assert.equal(started[0], started[1], 'one server, started once');

    // A record task started on the worker without the publisher records where the publisher is.
    type Task = { id: string; state: string; file: string };
    const task = await atAway.call<Task>(`${own}/records/tasks`, 'POST', { vhost: '__defaultVhost__', app: 'live', stream: 'own' });
    assert.equal(task.status, 201);
    assert.equal(task.body.state, 'recording');
    const listed = await atHome.call<{ tasks: Task[] }>(`${own}/records/tasks`);
    assert.deepEqual(listed.body.tasks.filter((t) => t.id === task.body.id).map((t) => t.state), ['recording']);
    await waitFor(() => (statSync(task.body.file, { throwIfNoEntry: false })?.size ?? 0) > 10_000, 'the task records');
    const stopped = await atHome.call<Task>(`${own}/records/tasks/${task.body.id}`, 'DELETE');
    assert.equal(stopped.body.state, 'done');
    const after = await atAway.call<{ tasks: Task[] }>(`${own}/records/tasks`);
    assert.deepEqual(after.body.tasks.filter((t) => t.id === task.body.id).map((t) => t.state), ['done']);

    // A restream target added on one worker pushes the stream published on the other.
    type Target = { id: string; enabled: boolean; pushes: unknown[] };
    type Relays = { code: number; data: { targets: Target[] } };
    const target = await atAway.call<{ data: Target }>(`${own}/relays`, 'POST', { app: 'live', stream: 'own', server: `rtmp://127.0.0.1:${ports.rtmp}/copy`, key: 'own' });
    assert.equal(target.status, 200);
    const copied = async (): Promise<boolean> => (await api<{ streams: Array<{ app: string; name: string; publish: { active: boolean } }> }>('/api/v1/streams')).streams.some((s) => s.app === 'copy' && s.name === 'own' && s.publish.active);
    await waitForAsync(copied, 'the restream push publishes copy/own', 20_000);
    const relays = await atAway.call<Relays>(`${own}/relays`);
    assert.equal(relays.body.data.targets.find((t) => t.id === target.body.data.id)?.pushes.length, 1, 'the push of the other worker is listed');
    const disabled = await atAway.call<{ data: Target }>(`${own}/relays/${target.body.data.id}`, 'PATCH', { enabled: false });
    assert.equal(disabled.body.data.enabled, false);
    await waitForAsync(async () => !(await copied()), 'the push stopped where it ran', 20_000);
    assert.equal((await atHome.call(`${own}/relays/${target.body.data.id}`, 'DELETE')).status, 200);
    assert.equal((await atAway.call(`${own}/relays/${target.body.data.id}`)).status, 404);

    // Pulls run in worker 1, whichever worker takes the request.
    const [one, two] = home === 1 ? [atHome, atAway] : [atAway, atHome];
    const pull = await two.call<{ data: { id: string } }>(`${own}/pulls`, 'POST', { url, app: 'pulled', stream: 'own' });
    assert.equal(pull.status, 200);
    const pulls = await one.call<{ data: Array<{ id: string }> }>(`${own}/pulls`);
    assert.ok(pulls.body.data.some((p) => p.id === pull.body.data.id));
    assert.equal((await two.call(`${own}/pulls/${pull.body.data.id}`, 'DELETE')).status, 200);
    assert.equal((await two.call(`${own}/pulls/${pull.body.data.id}`, 'DELETE')).status, 404);

    // The console, built on this API, shows the one stream with the viewers of both workers.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${ports.api}/console/`);
      await page.click('#login button[type=submit]');
      await page.click('a:has-text("/live/own")');
      await page.waitForFunction(() => document.querySelectorAll('[data-kick]').length === 4, undefined, { timeout: 20_000 });
    } finally {
      await browser.close();
    }

    // A kick reaches the worker that holds the session.
    const theirs = (await clients('own')).filter((c) => !c.publish && c.worker === home).map((c) => c.id);
    for (const id of theirs) assert.equal((await atAway.call(`${own}/sessions/${id}`, 'DELETE')).status, 200);
    await waitForAsync(async () => (await clients('own')).every((c) => !theirs.includes(c.id)), 'the kicked players gone');
  } finally {
    atHome.close();
    atAway.close();
  }
  for (const player of players) await player.exited;
});

/** The config as started with `limits` added, reloaded through Sluice's API: it reloads the whole server, whichever worker takes the request. */
async function reloadWithLimits(limits: string): Promise<void> {
  const reloads = (): number => sluice.output.split('\n').filter((line) => line.includes('"msg":"configuration reloaded"')).length;
  const before = reloads();
  await writeFile(join(dir, 'sluice.conf'), `${baseConfig}\n${limits}\n`);
  const reloaded = await (await fetch(`http://127.0.0.1:${ports.api}/api/sluice/v1/config/reload`, { method: 'POST' })).json() as { applied: boolean };
  assert.equal(reloaded.applied, true);
  await waitFor(() => reloads() >= before + 3, 'the primary and both workers reloaded');
}

test('max_connections counts the connections of every worker', async () => {
  for (const publisher of publishers.splice(0)) await publisher.stop();
  const open = async (): Promise<number> => Number(/^sluice_connections (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${ports.api}/metrics`)).text())?.[1]);
  await waitForAsync(async () => (await open()) === 0, 'no client connection left', 20_000);
  // Room for the clients below to wait unadmitted: this counts connections only.
  await reloadWithLimits('max_connections 2;\nmax_pending_connections 10;');

  const clients = [await TestRtmpClient.open(ports.rtmp, 'live'), await TestRtmpClient.open(ports.rtmp, 'live')];
  // Whichever worker takes them, a third and a fourth are refused.
  for (let i = 0; i < 2; i++) {
    const refused = await TestRtmpClient.open(ports.rtmp, 'live');
    const refusal = refused.commands.find((c) => c.name === '_error');
    assert.match(String((refusal?.args[0] as { description?: string }).description), /max_connections 2/);
    await refused.closedByServer();
  }
  for (const client of clients) client.close();
});

test('max_pending_connections counts the clients not yet admitted on every worker', async () => {
  await reloadWithLimits('max_connections 100;\nmax_pending_connections 2;');
  // Connected, neither publishing nor playing: two pending clients, which the primary spreads over both workers.
  const waiting = [await TestRtmpClient.open(ports.rtmp, 'live'), await TestRtmpClient.open(ports.rtmp, 'live')];
  try {
    // Each worker holds one and learns of the other's within a round trip through the primary;
    // until then a newcomer may still get in, and leaves again.
    const refusal = await waitForAsync(async () => {
      const client = await TestRtmpClient.open(ports.rtmp, 'live');
      const error = client.commands.find((c) => c.name === '_error')?.args[0] as { description?: string } | undefined;
      client.close();
      return error?.description;
    }, 'a third pending client refused');
    assert.match(refusal, /max_pending_connections 2/);
  } finally {
    for (const client of waiting) client.close();
    // Room again for the tests after this one, whatever the closed clients still hold for a moment.
    await reloadWithLimits('max_connections 100;\nmax_pending_connections 50;');
  }
});

test('SIGTERM to the whole process group stops the primary and every worker gracefully', async () => {
  const pids = [...workerPids().values()];
  assert.equal(pids.length, 2);
  // A publisher on each worker: each worker must end its sessions itself, not be cut short.
  const held: TestRtmpClient[] = [];
  await waitForAsync(async () => {
    const client = await TestRtmpClient.open(ports.rtmp, 'live');
    assert.equal(await client.publish(`last-${held.length}`), 'NetStream.Publish.Start');
    held.push(client);
    const on = new Set((await api<{ clients: Client[] }>('/api/v1/clients?count=1000')).clients.filter((c) => c.name.startsWith('last-')).map((c) => c.worker));
    return on.size === 2;
  }, 'a publisher on each worker');
  const ids = (await api<{ clients: Client[] }>('/api/v1/clients?count=1000')).clients.filter((c) => c.name.startsWith('last-')).map((c) => c.id);
  process.kill(-sluice.child.pid!, 'SIGTERM');
  assert.equal(await sluice.exited, 0, sluice.output.slice(-3000));
  await waitFor(() => pids.every((pid) => !alive(pid)), 'no worker left');
  assert.match(sluice.output, /"msg":"stopped"/);
  const ended = sluice.output.split('\n').filter((line) => line.includes('"msg":"session end"'));
  for (const id of ids) assert.ok(ended.some((line) => line.includes(`"client":"${id}"`)), `${id} ended by its worker\n${sluice.output.slice(-4000)}`);
  for (const client of held) client.close();
});
