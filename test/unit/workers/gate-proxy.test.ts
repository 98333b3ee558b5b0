import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Directory } from '../../../src/app/workers/directory.js';
import { GateHost } from '../../../src/app/workers/gate-host.js';
import { GateProxy } from '../../../src/app/workers/gate-proxy.js';
import { IpcChannel, type IpcPort } from '../../../src/app/workers/ipc.js';
import type { ReloadableGate } from '../../../src/gate/index.js';
import type { ClientSession } from '../../../src/gate/types.js';
import { AccessDenied } from '../../../src/util/errors.js';

/** Two ends of an IPC channel, copying each message as cluster's advanced serialisation does. */
function pipe(): [IpcPort, IpcPort] {
  const [a, b] = [new EventEmitter(), new EventEmitter()];
  const port = (self: EventEmitter, other: EventEmitter): IpcPort => ({
    send: (message) => setImmediate(() => other.emit('message', structuredClone(message))),
    on: (event, listener) => self.on(event, listener),
  });
  return [port(a, b), port(b, a)];
}

/** The primary's gate: records calls; refuses a stream named `bad`; remembers sessions it saw. */
function recordingGate() {
  const calls: string[] = [];
  const seen: ClientSession[] = [];
  const record = (method: string) => (session: ClientSession) => {
    calls.push(`${method} ${session.id}`);
    seen.push(session);
  };
  const gate = {
    connect: async (s: ClientSession) => record('connect')(s),
    publish: async (s: ClientSession) => {
      record('publish')(s);
      if (s.stream === 'bad') throw new AccessDenied('no bad streams');
      return {};
    },
    play: async (s: ClientSession) => (record('play')(s), {}),
    unpublished: record('unpublished'),
    stopped: record('stopped'),
    closed: record('closed'),
  } as unknown as ReloadableGate;
  return { gate, calls, seen };
}

function session(id: string, stream: string, ended: string[] = []): ClientSession {
  return {
    id, protocol: 'rtmp', ip: '127.0.0.1', vhost: '__defaultVhost__', app: 'live', stream, param: '', tcUrl: 'rtmp://h/live',
    pageUrl: '', swfUrl: '', flashVer: '', requestUrl: '', startedAt: 0, bytesSent: () => 10, bytesReceived: () => 20,
    terminate: (reason) => ended.push(reason),
  };
}

function cluster() {
  const { gate, calls, seen } = recordingGate();
  const host = new GateHost(gate, new Directory(() => {}));
  const proxies = [1, 2].map((worker) => {
    const [primaryEnd, workerEnd] = pipe();
    host.serve(worker, new IpcChannel(primaryEnd));
    return new GateProxy(new IpcChannel(workerEnd));
  });
  return { host, calls, seen, proxies: proxies as [GateProxy, GateProxy] };
}

test('a publish is gated once in the primary; the same stream on another worker is refused at attach', async () => {
  const { calls, proxies: [one, two] } = cluster();
  const first = session('a', 'cam');
  const second = session('b', 'cam');
  assert.deepEqual(await one.publish(first), {});
  assert.equal(one.mayPublish(first), true);
  assert.deepEqual(await two.publish(second), {});
  assert.equal(two.mayPublish(second), false, 'busy: another worker publishes it');
  two.unpublished(second);
  one.unpublished(first);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const third = session('c', 'cam');
  await two.publish(third);
  assert.equal(two.mayPublish(third), true, 'free again once its publisher left');
  assert.deepEqual(calls, ['publish a', 'publish b', 'unpublished b', 'unpublished a', 'publish c']);
});

test('a refusal crosses as AccessDenied with its reason; the gate sees one object per session', async () => {
  const { seen, proxies: [one] } = cluster();
  await assert.rejects(one.publish(session('x', 'bad')), (error: unknown) => error instanceof AccessDenied && error.reason === 'no bad streams');
  const player = session('p', 'cam');
  await one.connect(player);
  await one.play(player);
  one.stopped(player);
  one.closed(player);
  await new Promise((resolve) => setTimeout(resolve, 10));
  const objects = seen.filter((s) => s.id === 'p');
  assert.equal(objects.length, 4);
  assert.ok(objects.every((s) => s === objects[0]));
  assert.equal(objects[0]!.bytesReceived(), 20, 'byte counts as the worker sent them');
});

test('the gate ends a session in its worker; a dead worker\'s sessions end in the gate', async () => {
  const { host, calls, seen, proxies: [one] } = cluster();
  const ended: string[] = [];
  await one.publish(session('a', 'cam', ended));
  seen[0]!.terminate('on_update refused');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(ended, ['on_update refused']);
  host.workerGone(1);
  assert.deepEqual(calls, ['publish a', 'unpublished a', 'closed a']);
});
