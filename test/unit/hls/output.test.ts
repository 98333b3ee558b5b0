import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig, type SluiceConfigInput } from '../../../src/config/schema.js';
import type { ClientSession, HlsSegmentClosed } from '../../../src/gate/types.js';
import { HlsOutput, type ClosedSegment } from '../../../src/hls/hls-output.js';
import { FileWriter, WriteQueue } from '../../../src/hls/write-queue.js';
import { silentLogger } from '../../../src/util/logger.js';
import { withSmallDisk } from '../../support/small-disk.js';

const session = { id: 'pub1' } as ClientSession;
const name = { vhost: '__defaultVhost__', app: 'live', stream: 'livestream' };

function setup(hls: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-hls-'));
  const input: SluiceConfigInput = { vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: dir, hls_window: 5, ...hls } } } };
  const config = parseConfig(input).vhosts.__defaultVhost__!.hls;
  const events: HlsSegmentClosed[] = [];
  const output = new HlsOutput(name, config, { hlsSegment: (info) => events.push(info) }, silentLogger());
  return { dir, output, events, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const segment = (duration: number, discontinuity = false): ClosedSegment => ({
  data: Buffer.from('segment'), duration, discontinuity, startedAt: new Date(), session,
});

test('segments and the playlist are written, old segments deleted, on_hls reported in order', async () => {
  const { dir, output, events, done } = setup({ hls_fragment: 2 });
  try {
    for (let i = 0; i < 5; i++) {
      output.add(segment(2, i === 0));
      await output.idle();
    }
    assert.deepEqual(readdirSync(join(dir, 'live')).sort(), ['livestream-2.ts', 'livestream-3.ts', 'livestream-4.ts', 'livestream.m3u8']);
    const playlist = readFileSync(join(dir, 'live/livestream.m3u8'), 'utf8');
    assert.match(playlist, /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-TARGETDURATION:3\n#EXTINF:2.000, no desc\nlivestream-2.ts\n/);
    assert.equal(output.render('?hls_ctx=x').split('\n').filter((l) => l.endsWith('.ts?hls_ctx=x')).length, 3);
    assert.deepEqual(events.map((e) => e.seqNo), [0, 1, 2, 3, 4]);
    assert.deepEqual(events[0], {
      session, duration: 2, cwd: process.cwd(), file: join(dir, 'live/livestream-0.ts'), url: 'live/livestream-0.ts',
      m3u8: join(dir, 'live/livestream.m3u8'), m3u8Url: 'live/livestream.m3u8', seqNo: 0, notifyAnswerBytes: 64,
    });
    await output.dispose();
    assert.deepEqual(readdirSync(join(dir, 'live')), []);
    assert.equal(output.ready, false);
  } finally {
    done();
  }
});

test('hls_cleanup off keeps old segments; hls_entry_prefix goes before each URL', async () => {
  const { dir, output, done } = setup({ hls_cleanup: false, hls_entry_prefix: 'https://cdn.example/' });
  try {
    for (let i = 0; i < 5; i++) output.add(segment(3));
    await output.idle();
    assert.equal(readdirSync(join(dir, 'live')).filter((f) => f.endsWith('.ts')).length, 3, 'two were dropped: disk behind');
    assert.match(output.render(), /\nhttps:\/\/cdn\.example\/live\/livestream-1\.ts\n/);
  } finally {
    done();
  }
});

test('the first segment of a stream carries no discontinuity, even when its publish starts one', async () => {
  const { output, done } = setup();
  try {
    output.add(segment(1, true));
    output.add(segment(1));
    output.add(segment(1, true));
    await output.idle();
    const lines = output.render().split('\n');
    assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
    assert.equal(lines[lines.indexOf('livestream-2.ts') - 2], '#EXT-X-DISCONTINUITY');
  } finally {
    done();
  }
});

test('a segment dropped for a slow disk leaves a discontinuity and no gap in numbering', async () => {
  const { output, events, done } = setup({ hls_window: 100 });
  try {
    for (let i = 0; i < 4; i++) output.add(segment(1));
    await output.idle();
    output.add(segment(1));
    await output.idle();
    assert.deepEqual(events.map((e) => e.seqNo), [0, 1, 2, 3]);
    const lines = output.render().split('\n');
    assert.equal(lines[lines.indexOf('livestream-2.ts') + 1], '#EXT-X-DISCONTINUITY');
  } finally {
    done();
  }
});

test('the write queue refuses segments beyond its bound but always runs other jobs', async () => {
  const errors: unknown[] = [];
  const queue = new WriteQueue(2, (e) => errors.push(e));
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  assert.equal(queue.trySegment(() => blocked), true);
  assert.equal(queue.trySegment(async () => {}), true);
  assert.equal(queue.trySegment(async () => {}), false);
  let ran = false;
  queue.push(async () => {
    ran = true;
    throw new Error('disk full');
  });
  release();
  await queue.idle();
  assert.equal(ran, true);
  assert.equal(errors.length, 1);
  assert.equal(queue.trySegment(async () => {}), true);
});

test('a template that leaves hls_path is refused', () => {
  const config = parseConfig({ vhosts: { v: { hls: { hls_path: '/srv/hls', hls_m3u8_file: '../[stream].m3u8' } } } }).vhosts.v!.hls;
  assert.throws(() => new HlsOutput(name, config, { hlsSegment: () => {} }, silentLogger()), /leaves/);
});

test('a full disk: no partial segment or temp file is left, one error line, numbering resumes without a hole once space returns', async () => {
  await withSmallDisk(64 * 1024, async (disk) => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'debug' }, new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }));
    const config = parseConfig({ vhosts: { __defaultVhost__: { hls: { enabled: true, hls_path: disk.dir, hls_window: 60 } } } }).vhosts.__defaultVhost__!.hls;
    const output = new HlsOutput(name, config, { hlsSegment: () => {} }, logger);
    const big = (): ClosedSegment => ({ data: Buffer.alloc(16 * 1024, 1), duration: 2, discontinuity: false, startedAt: new Date(), session });

    output.add(big());
    await output.idle();
    await disk.fill();
    for (let i = 0; i < 3; i++) {
      output.add(big());
      await output.idle();
    }
    assert.deepEqual(readdirSync(join(disk.dir, 'live')).sort(), ['livestream-0.ts', 'livestream.m3u8'], 'no empty segments, no temp files');
    assert.equal(lines.filter((l) => l.level >= 50).length, 1, 'logged once per episode');

    await disk.free();
    output.add(big());
    await output.idle();
    assert.deepEqual(readdirSync(join(disk.dir, 'live')).sort(), ['livestream-0.ts', 'livestream-1.ts', 'livestream.m3u8']);
    assert.match(output.render(), /livestream-0\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000, no desc\nlivestream-1\.ts\n/, 'the lost media is a discontinuity');
    assert.ok(lines.some((l) => l.msg === 'hls writes work again'));
  });
});

test('files are written into directories made once, and made again when removed by hand', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sluice-files-'));
  try {
    const files = new FileWriter();
    const file = join(root, 'live', 'a', 's-0.ts');
    await files.write(file, Buffer.from('one'));
    rmSync(join(root, 'live'), { recursive: true });
    await files.write(file, Buffer.from('two'));
    await files.writeAtomically(join(root, 'live', 'a', 's.m3u8'), '#EXTM3U\n');
    assert.equal(readFileSync(file, 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(root, 'live', 'a')).sort(), ['s-0.ts', 's.m3u8']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
