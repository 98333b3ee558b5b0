import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OryxRecordEndPayload } from '../../../src/index.js';
import { fakeSession, makeGate, startReceiver, tempDir } from './support.js';

test('Oryx: on_publish gates with request_id, action, opaque, vhost, app, stream, param; record events follow', async (t) => {
  const receiver = await startReceiver(t, (_req, res) => res.end('{"code":0}'));
  const dir = tempDir();
  const url = (event: string) => receiver.url(`/terraform/v1/hooks/srs/${event}`);
  const gate = makeGate(
    {
      http_hooks: {
        enabled: true,
        dialect: 'oryx',
        opaque: 'tok3n',
        on_publish: url('on_publish'),
        on_unpublish: url('on_unpublish'),
        on_record_begin: url('on_record_begin'),
        on_record_end: url('on_record_end'),
        // SRS-only events are not sent in the Oryx dialect.
        on_play: url('on_play'),
      },
    },
    dir.dir,
  );
  try {
    const session = fakeSession({ param: '?secret=abc' });
    await gate.connect(session);
    await gate.publish(session);
    await gate.play(fakeSession({ id: 'viewer' }));
    gate.recordingStarted({ session, uuid: 'task-1' });
    gate.recordingFinished({ session, uuid: 'task-1', cwd: '/data', file: '/data/record/task-1/index.mp4', url: 'https://cdn.example/task-1.mp4' });
    gate.unpublished(session);
    const got = await receiver.waitFor(4);
    const bodies = got.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => b.action), ['on_publish', 'on_record_begin', 'on_record_end', 'on_unpublish']);
    assert.deepEqual(Object.keys(bodies[0]!), ['request_id', 'action', 'opaque', 'vhost', 'app', 'stream', 'param']);
    assert.match(String(bodies[0]!.request_id), /^[0-9a-f-]{36}$/);
    assert.notEqual(bodies[0]!.request_id, bodies[3]!.request_id);
    assert.deepEqual({ ...bodies[0], request_id: '' }, {
      request_id: '', action: 'on_publish', opaque: 'tok3n', vhost: '__defaultVhost__', app: 'live', stream: 'livestream', param: '?secret=abc',
    });
    const end = bodies[2] as unknown as OryxRecordEndPayload;
    assert.deepEqual(
      [end.uuid, end.artifact_code, end.artifact_path, end.artifact_url],
      ['task-1', 0, '/data/record/task-1/index.mp4', 'https://cdn.example/task-1.mp4'],
    );
    assert.equal(bodies[1]!.uuid, 'task-1');
  } finally {
    await gate.close();
    dir.remove();
  }
});

test('Oryx: only a 200 with {"code":0} allows (a bare 0 does not)', async (t) => {
  let body = '0';
  const receiver = await startReceiver(t, (_req, res) => res.end(body));
  const dir = tempDir();
  const gate = makeGate({ http_hooks: { enabled: true, dialect: 'oryx', on_publish: receiver.url('/p') } }, dir.dir);
  try {
    await assert.rejects(gate.publish(fakeSession()), /answered body "0"; the body must be \{"code":0\}/);
    body = '{"code":0,"data":{}}';
    assert.deepEqual(await gate.publish(fakeSession()), {});
  } finally {
    await gate.close();
    dir.remove();
  }
});
