// In-process CPU per callback for the HTTP clients the gate could use, against the gate bench's
// receiver (in its own process): bursts of calls, a fixed number in flight, CPU of this process
// (user + system, all threads: JIT and WebAssembly compilation included) divided by the calls.
// Usage: node --import tsx bench/gate-clients.ts [CALLS] [ROUNDS] [IN_FLIGHT] [VARIANT]
// With VARIANT (a prefix of a name below) only that client runs, cold: nothing is warmed first,
// as in a server that just started.
import { resolve } from 'node:path';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent, Pool, type Dispatcher } from 'undici';
import { PooledTransport } from '../src/gate/http/transport.js';
import { freePort, nextMessage, startChild, stopChild } from './children.js';

const CALLS = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 3);
const IN_FLIGHT = Number(process.argv[4] ?? 64);
const ONLY = process.argv[5];
const BODY = JSON.stringify({ server_id: 'vid-abcdefg', service_id: '12345678', client_id: 'abcdefgh', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', action: 'on_play', stream: 'gate-1234', tcUrl: 'rtmp://127.0.0.1:1935/live', param: '', pageUrl: '', stream_url: '/live/gate-1234', stream_id: 'vid-hijklmn' });
const HEADERS = { 'user-agent': 'sluice/0.1.0', 'webhook-id': 'msg_0123456789abcdef0123456789abcdef', 'content-type': 'application/json' };

type Call = (url: string) => Promise<number>;

/** A minimal undici dispatch handler: status and body as a string. */
function dispatchCall(dispatcher: Dispatcher): Call {
  return (url) =>
    new Promise((resolvePromise, reject) => {
      const { origin, pathname } = new URL(url);
      let status = 0;
      const chunks: Buffer[] = [];
      dispatcher.dispatch(
        { origin, path: pathname, method: 'POST', headers: HEADERS, body: BODY },
        {
          onConnect() {},
          onHeaders(code) {
            status = code;
            return true;
          },
          onData(chunk) {
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            Buffer.concat(chunks).toString('utf8');
            resolvePromise(status);
          },
          onError: reject,
        },
      );
    });
}

function nodeHttpCall(agent: HttpAgent): Call {
  return (url) =>
    new Promise((resolvePromise, reject) => {
      const req = httpRequest(url, { method: 'POST', agent, headers: { ...HEADERS, 'content-length': Buffer.byteLength(BODY) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          Buffer.concat(chunks).toString('utf8');
          resolvePromise(res.statusCode ?? 0);
        });
      });
      req.on('error', reject);
      req.end(BODY);
    });
}

async function measure(name: string, call: Call, url: string): Promise<void> {
  const burst = async (n: number): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next++ < n) if ((await call(url)) !== 200) throw new Error(`${name}: not 200`);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  };
  if (!ONLY) await burst(200); // warm: connections open, code compiled
  const perCall: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = process.cpuUsage();
    await burst(CALLS);
    const used = process.cpuUsage(before);
    perCall.push(((used.user + used.system) / 1000 / CALLS).toFixed(3));
  }
  console.log(`${name.padEnd(44)} CPU ms per call: ${perCall.join(' ')}`);
}

async function main(): Promise<void> {
  const port = await freePort();
  const receiver = startChild(process.execPath, ['--import', 'tsx', resolve('bench', 'gate-receiver.ts'), String(port)], '/dev/null', true);
  try {
    await nextMessage(receiver, 'listening', 15_000);
    const url = `http://127.0.0.1:${port}/on_play`;
    const transport = new PooledTransport();
    const sluice: Call = async (u) => (await transport.send({ method: 'POST', url: u, headers: HEADERS, body: BODY, timeoutMs: 30_000 })).status;
    const variants: Array<[string, Call]> = [
      ['sluice PooledTransport', sluice],
      ['undici Agent.dispatch, 64 connections', dispatchCall(new Agent({ connections: 64 }))],
      ['undici Pool.dispatch, 8 connections x 8 pipelined', dispatchCall(new Pool(`http://127.0.0.1:${port}`, { connections: 8, pipelining: 8 }))],
      ['undici Pool.dispatch, 64 connections', dispatchCall(new Pool(`http://127.0.0.1:${port}`, { connections: 64 }))],
      ['node:http Agent keepAlive, 64 sockets', nodeHttpCall(new HttpAgent({ keepAlive: true, maxSockets: 64 }))],
    ];
    for (const [name, call] of variants) if (!ONLY || name.startsWith(ONLY)) await measure(name, call, url);
  } finally {
    await stopChild(receiver);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
