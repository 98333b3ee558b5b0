import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FigureSample } from '../../../src/api/sluice/figures.js';
import { addFigures, mergeStreamViews } from '../../../src/api/sluice/server-views.js';

const figures = (at: number, players: number, protocol: string, lag: number): FigureSample => ({
  at,
  sessions: { total: players + 1, byProtocol: { [protocol]: players + 1 }, publishers: 1, players },
  streams: 1,
  kbps: { in: 100, out: 10 * players },
  cpuPercent: 12.5,
  memory: { rssBytes: 60e6, heapUsedBytes: 10e6, heapTotalBytes: 20e6, externalBytes: 1e6 },
  eventLoopLagMs: lag,
});

test('the figures of several workers add up; the lag is the worst one', () => {
  assert.deepEqual(addFigures([figures(1000, 3, 'rtmp', 2), figures(1001, 5, 'hls', 7)]), {
    at: 1001,
    sessions: { total: 10, byProtocol: { rtmp: 4, hls: 6 }, publishers: 2, players: 8 },
    streams: 2,
    kbps: { in: 200, out: 80 },
    cpuPercent: 25,
    memory: { rssBytes: 120e6, heapUsedBytes: 20e6, heapTotalBytes: 40e6, externalBytes: 2e6 },
    eventLoopLagMs: 7,
  });
});

test('a stream served by two workers is one: the publisher’s worker gives the publisher and frames, readers and traffic add up', () => {
  const base = {
    id: 'vid-a', vhost: '__defaultVhost__', app: 'live', name: 'cam', url: '/live/cam', publishing: true,
    tracks: { video: null, audio: null }, bitrate: 0, uptimeSeconds: 3, kbps: { recv_30s: 0, send_30s: 100 },
  };
  const copy = { ...base, publisher: null, readers: [{ id: 'p2', kind: 'session' as const, internal: false, protocol: 'rtmp' }], frames: { total: 0, video: 0 }, sendBytes: 500, recvBytes: 0 };
  const home = {
    ...base,
    publisher: { id: 'pub' } as never,
    readers: [{ id: 'p1', kind: 'session' as const, internal: false, protocol: 'rtmp' }],
    kbps: { recv_30s: 900, send_30s: 100 },
    frames: { total: 250, video: 100 },
    sendBytes: 700,
    recvBytes: 9000,
  };
  const [merged] = mergeStreamViews([[copy], [home]]);
  assert.equal(merged!.publisher, home.publisher);
  assert.deepEqual(merged!.readers.map((r) => r.id), ['p2', 'p1']);
  assert.deepEqual(merged!.frames, { total: 250, video: 100 });
  assert.deepEqual(merged!.kbps, { recv_30s: 900, send_30s: 200 });
  assert.deepEqual([merged!.sendBytes, merged!.recvBytes], [1200, 9000]);
});
