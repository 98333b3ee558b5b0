import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BadRequest, requestTarget } from '../../../src/servers/http/request-target.js';
import { fuzzRuns } from '../../support/fuzz.js';

// Path pieces that matter to routing: separators, dot segments, escapes (good, bad, reserved).
const piece = fc.oneof(
  fc.constantFrom('/', '//', '.', '..', '%2e', '%2E%2e', '%2F', '%5c', '%00', '%', '%zz', '%c3', '%c3%a9', '?', '#', '\\', ' ', 'live', 'cam.m3u8', 'a.ts'),
  fc.string({ maxLength: 4 }),
  fc.nat(255).map((byte) => `%${byte.toString(16).padStart(2, '0')}`),
);
const rawTarget = fc.array(piece, { maxLength: 12 }).map((parts) => `/${parts.join('')}`);

/** Escapes every unreserved character of a path: another spelling of the same resource. */
function escapeUnreserved(path: string): string {
  return path.replace(/%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~]/gu, (c) =>
    c.startsWith('%') ? c : `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

test('any request target is refused with BadRequest or normalised to a clean, stable path', () => {
  fc.assert(
    fc.property(rawTarget, (raw) => {
      let url: URL;
      try {
        url = requestTarget(raw, 'example.com');
      } catch (error) {
        assert.ok(error instanceof BadRequest, String(error));
        return;
      }
      const path = url.pathname;
      assert.equal(url.host, 'example.com');
      assert.ok(path.startsWith('/'));
      assert.ok(!path.includes('//'), path);
      assert.ok(!path.split('/').some((segment) => segment === '.' || segment === '..'), path);
      assert.equal(requestTarget(path, 'example.com').pathname, path, 'normalising twice changes nothing');
      const respelled = requestTarget(escapeUnreserved(path), 'example.com').pathname;
      assert.equal(respelled, path, 'one resource, one path, however it is spelled');
    }),
    fuzzRuns(3000),
  );
});
