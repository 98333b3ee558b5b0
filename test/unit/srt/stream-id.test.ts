import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStreamId } from '../../../src/protocols/srt/stream-id.js';

test('stream ids are read as SRS 7 reads them', () => {
  const cases: Array<[string, ReturnType<typeof parseStreamId>]> = [
    ['#!::r=live/livestream,m=publish', { mode: 'publish', vhost: undefined, app: 'live', stream: 'livestream', param: '' }],
    ['#!::r=live/livestream,m=request', { mode: 'play', vhost: undefined, app: 'live', stream: 'livestream', param: '' }],
    ['#!::h=live/livestream?secret=x,m=publish', { mode: 'publish', vhost: undefined, app: 'live', stream: 'livestream', param: '?secret=x' }],
    ['#!::h=srs.com/live/s?secret=x,m=request', { mode: 'play', vhost: 'srs.com', app: 'live', stream: 's', param: '?vhost=srs.com&secret=x' }],
    ['#!::h=srs.com,r=live/s,token=t', { mode: 'play', vhost: 'srs.com', app: 'live', stream: 's', param: '?vhost=srs.com&token=t' }],
    ['live/livestream?secret=x', { mode: 'play', vhost: undefined, app: 'live', stream: 'livestream', param: '?secret=x' }],
    ['livestream', { mode: 'play', vhost: undefined, app: 'live', stream: 'livestream', param: '' }],
    ['#!::r=live/a,M=x,m=PUBLISH', { mode: 'publish', vhost: undefined, app: 'live', stream: 'a', param: '?M=x' }],
  ];
  for (const [id, expected] of cases) assert.deepEqual(parseStreamId(id, 'live'), expected, id);
});

test('SRS refuses a stream id without a path or with an unknown mode', () => {
  assert.equal(parseStreamId('#!::m=publish', 'live'), undefined);
  assert.equal(parseStreamId('#!::r=live/a,m=pull', 'live'), undefined);
});
