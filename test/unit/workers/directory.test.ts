import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Directory } from '../../../src/app/workers/directory.js';

const cam = { vhost: '__defaultVhost__', app: 'live', name: 'cam' };

function directory() {
  const orders: string[] = [];
  const dir = new Directory((publisher, order, body) => orders.push(`${publisher} ${order} ${body.name}->${body.to}`));
  return { dir, orders };
}

test('one publisher per stream across workers; the same worker is answered yes (its hub decides)', () => {
  const { dir } = directory();
  assert.equal(dir.claim(cam, 1, 'a'), true);
  assert.equal(dir.claim(cam, 2, 'b'), false);
  assert.equal(dir.claim(cam, 1, 'c'), true);
  dir.release(cam, 1, 'c'); // not the holder: nothing changes
  assert.equal(dir.publisherOf(cam), 1);
  dir.release(cam, 1, 'a');
  assert.equal(dir.claim(cam, 2, 'b'), true);
});

test('each watching worker gets one relay from the publisher, opened and closed with the publish', () => {
  const { dir, orders } = directory();
  dir.watch(cam, 2, true);
  dir.watch(cam, 2, true);
  dir.watch(cam, 1, true);
  dir.claim(cam, 1, 'a');
  assert.deepEqual(orders.splice(0), ['1 relay.open cam->2']);
  dir.watch(cam, 3, true);
  assert.deepEqual(orders.splice(0), ['1 relay.open cam->3']);
  dir.watch(cam, 3, false);
  dir.release(cam, 1, 'a');
  assert.deepEqual(orders.splice(0), ['1 relay.close cam->3', '1 relay.close cam->2']);
});

test('a dead worker loses its claims and its viewers', () => {
  const { dir, orders } = directory();
  dir.claim(cam, 1, 'a');
  dir.watch(cam, 2, true);
  dir.forget(1);
  assert.equal(dir.publisherOf(cam), undefined);
  assert.equal(dir.claim(cam, 3, 'c'), true);
  assert.deepEqual(orders.splice(0), ['1 relay.open cam->2', '3 relay.open cam->2']);
  dir.forget(2);
  dir.release(cam, 3, 'c');
  assert.deepEqual(orders, []);
});
