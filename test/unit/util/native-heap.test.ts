import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepNativeHeapTrimmed, type HeapTrimAddon } from '../../../src/util/native-heap.js';
import { loadNative } from '../../../src/util/native-addon.js';
import { silentLogger } from '../../../src/util/logger.js';
import { collectGarbage } from '../../support/gc.js';

test('the C heap gives back the pages of a burst once it is freed', () => {
  const addon = loadNative<HeapTrimAddon>('heap-trim');
  // A burst of C-heap allocations (Buffers above the pool size), all but a few freed again,
  // the way a thousand players joining leave the heap: held memory with live chunks above it.
  const burst = Array.from({ length: 400 }, () => Buffer.alloc(48 * 1024, 1));
  const kept = burst.filter((_, i) => i % 100 === 99);
  burst.length = 0;
  collectGarbage();
  const [used, free] = addon.usage()!;
  assert.ok(used > kept.length * 48 * 1024, `in use: ${used} bytes`);
  assert.ok(free > 10 * 1024 * 1024, `the freed burst is held: ${free} bytes free`);
  assert.equal(addon.trim(), true, 'pages were given back');
});

test('trimming starts without a warning where the addon is built (its timer does not hold the process)', () => {
  const logged: string[] = [];
  const logger = Object.assign(silentLogger(), { warn: (_: unknown, msg: string) => logged.push(msg) });
  keepNativeHeapTrimmed(logger);
  // No warning: the addon is built and loads.
  assert.deepEqual(logged, []);
});
