import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest, requestTarget } from '../../../src/servers/http/request-target.js';

test('one resource has one path: unreserved escapes decoded, // collapsed, dot segments resolved', () => {
  const path = (raw: string) => requestTarget(raw, 'example.com').pathname;
  assert.equal(path('/live/cam.m3u8'), '/live/cam.m3u8');
  assert.equal(path('/live//cam.m3u8'), '/live/cam.m3u8');
  assert.equal(path('/live/%63%61m.m3u8'), '/live/cam.m3u8');
  assert.equal(path('/x/../live/./cam.m3u8'), '/live/cam.m3u8');
  assert.equal(path('/live/%2e%2e/%2E%2E/etc/passwd'), '/etc/passwd');
  assert.equal(path('/../../etc/passwd'), '/etc/passwd');
  assert.equal(path('/live/'), '/live/');
  // Reserved and other escapes keep their meaning.
  assert.equal(path('/live/a%20b%3F.flv'), '/live/a%20b%3F.flv');
});

test('a protocol-relative looking target stays on this server', () => {
  const url = requestTarget('//evil.example/live/cam.flv?token=1', 'example.com:8080');
  assert.equal(url.host, 'example.com:8080');
  assert.equal(url.pathname, '/evil.example/live/cam.flv');
  assert.equal(url.search, '?token=1');
});

test('the query is kept as sent', () => {
  assert.equal(requestTarget('/live/cam.flv?a=%2F&b=1#frag', 'h').search, '?a=%2F&b=1');
});

test('encoded slashes, backslashes (bare or encoded) and NUL are refused', () => {
  for (const raw of ['/live%2Fcam.flv', '/live%2fcam.flv', '/live%5Ccam.flv', '/live/cam%00.flv', '/live/cam\0.flv', '/\\evil.example/x', '/live\\cam.flv']) {
    assert.throws(() => requestTarget(raw, 'h'), BadRequest, raw);
  }
});

test('hosts: names, ports and IPv6 literals pass; malformed ones are refused', () => {
  assert.equal(requestTarget('/', '[::1]:8080').host, '[::1]:8080');
  assert.equal(requestTarget('/', 'Example.COM').hostname, 'example.com');
  assert.equal(requestTarget('/', undefined).hostname, 'localhost');
  for (const host of ['[::1', 'a/b', 'user@host', 'a b', 'host:port', '', 'a\\b']) {
    assert.throws(() => requestTarget('/', host), BadRequest, host);
  }
});

test('a path that does not decode is refused', () => {
  for (const raw of ['/live/%zz.flv', '/live/%C3%28.flv', '/live/%']) assert.throws(() => requestTarget(raw, 'h'), BadRequest, raw);
  assert.equal(requestTarget('/live/caf%C3%A9.flv', 'h').pathname, '/live/caf%C3%A9.flv');
});

test('a target that is not an absolute path is refused', () => {
  assert.throws(() => requestTarget('*', 'h'), BadRequest);
  assert.throws(() => requestTarget('http://other/x', 'h'), BadRequest);
});
