import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFlvFile } from '../../../src/formats/flv/index.js';
import type { ClientSession, RecordingFinished, RecordingStarted } from '../../../src/gate/types.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';
import { EncodedFrame, type MediaFrame } from '../../../src/media/frame.js';
import { RecordService } from '../../../src/recorder/record-service.js';
import { Recording, type RecordingPlan } from '../../../src/recorder/recording.js';
import { silentLogger } from '../../../src/util/logger.js';
import { capturingLogger } from '../../support/log-capture.js';
import { findAll, walk } from '../mp4/walker.js';
import { withSmallDisk } from '../../support/small-disk.js';
import { waitFor } from '../../support/wait.js';

const avcC = readFileSync(new URL('../../fixtures/h264-baseline-640x360.avcc', import.meta.url));
const session = { id: 'c1', vhost: '__defaultVhost__', app: 'live', stream: 'cam', param: '' } as ClientSession;

const frame = (kind: MediaFrame['kind'], timestamp: number, body: number[] | Buffer, flags: Partial<MediaFrame> = {}) =>
  new EncodedFrame({ kind, timestamp, body: Buffer.from(body), keyframe: false, sequenceHeader: false, ...flags });
const metadata = frame('data', 0, [2, 0, 10, ...Buffer.from('onMetaData')]);
const videoHeader = frame('video', 0, Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), avcC]), { sequenceHeader: true });
const audioHeader = frame('audio', 0, [0xaf, 0, 0x12, 0x10], { sequenceHeader: true });
const picture = (ts: number, key: boolean) => frame('video', ts, [key ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x65], { keyframe: key });
const aac = (ts: number) => frame('audio', ts, [0xaf, 1, 0x21, 0x00]);

class Events {
  started: RecordingStarted[] = [];
  finished: RecordingFinished[] = [];
  recordingStarted(info: RecordingStarted): void {
    this.started.push(info);
  }
  recordingFinished(info: RecordingFinished): void {
    this.finished.push(info);
  }
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-rec-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function recorder(path: (n: number) => string, plan: Partial<RecordingPlan> = {}) {
  const events = new Events();
  let n = 0;
  const recording = new Recording(
    { nextPath: () => path(n++), waitKeyframe: true, urlOf: () => '', ...plan },
    { session, events, logger: silentLogger(), maxQueuedBytes: 1 << 20 },
  );
  const feed = (frames: EncodedFrame[]) => frames.forEach((f) => recording.enqueue(f));
  return { recording, events, feed };
}

test('FLV: headers first, media from the first keyframe, timestamps from 0; on close one report with code 0', async () => {
  await withDir(async (dir) => {
    const { recording, events, feed } = recorder(() => join(dir, 'a.flv'));
    feed([metadata, videoHeader, audioHeader, picture(1000, false), aac(1000), picture(1040, true), aac(1046), picture(1080, false)]);
    await recording.close();
    const tags = await readFlvFile(join(dir, 'a.flv'));
    assert.deepEqual(tags.map((t) => [t.type, t.timestamp]), [[18, 0], [9, 0], [8, 0], [9, 0], [8, 6], [9, 40]]);
    assert.equal(events.finished.length, 1);
    const [done] = events.finished;
    assert.deepEqual({ ...done, uuid: '' }, { session, uuid: '', cwd: process.cwd(), file: join(dir, 'a.flv'), recorder: '', url: '', code: 0 });
    assert.match(done!.uuid, /^[0-9a-f-]{36}$/);
  });
});

test('MP4 audio only: held for a second in case video comes, then written from the first audio frame', async () => {
  await withDir(async (dir) => {
    const { recording, feed } = recorder(() => join(dir, 'a.mp4'));
    feed([audioHeader, ...Array.from({ length: 60 }, (_, i) => aac(i * 23))]);
    await recording.close();
    const boxes = walk(await readFile(join(dir, 'a.mp4')));
    assert.equal(findAll(boxes[1]!.children, 'trak').length, 1);
    assert.ok(findAll(boxes, 'moof').length >= 1);
  });
});

test('MP4: an audio header that comes after the first keyframe is left out; the file still plays video', async () => {
  await withDir(async (dir) => {
    const { recording, events, feed } = recorder(() => join(dir, 'a.mp4'));
    feed([videoHeader, picture(0, true), audioHeader, aac(10), picture(40, false)]);
    await recording.close();
    const boxes = walk(await readFile(join(dir, 'a.mp4')));
    assert.equal(findAll(boxes[1]!.children, 'trak').length, 1);
    assert.equal(events.finished[0]!.code, 0);
  });
});

test('segment plan: a new file at the first keyframe after the segment length, each reported', async () => {
  await withDir(async (dir) => {
    const { recording, events, feed } = recorder((n) => join(dir, `s${n}.flv`), { segmentMs: 1000 });
    feed([videoHeader, picture(0, true), picture(500, false), picture(1000, false), picture(1200, true), picture(2300, true)]);
    await recording.close();
    assert.deepEqual((await readdir(dir)).sort(), ['s0.flv', 's1.flv', 's2.flv']);
    assert.deepEqual(events.finished.map((f) => [f.file, f.code]), [[join(dir, 's0.flv'), 0], [join(dir, 's1.flv'), 0], [join(dir, 's2.flv'), 0]]);
    const second = await readFlvFile(join(dir, 's1.flv'));
    assert.deepEqual(second.map((t) => t.timestamp), [0, 0], 'header, then the keyframe at 0');
  });
});

test('an unwritable path ends the recording with code 1; later frames are ignored', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'file'), 'x');
    const { recording, events, feed } = recorder(() => join(dir, 'file', 'a.flv'));
    feed([videoHeader, picture(0, true)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    feed([picture(40, true)]);
    await recording.close();
    assert.deepEqual(events.finished.map((f) => f.code), [1]);
  });
});

test('MP4 of a codec it cannot carry: no file, a report with code 1', async () => {
  await withDir(async (dir) => {
    const { recording, events, feed } = recorder(() => join(dir, 'a.mp4'));
    const vp6 = frame('video', 0, [0x14, 0, 0], { keyframe: true });
    feed([frame('video', 0, [0x14, 0], { sequenceHeader: true }), vp6]);
    await recording.close();
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(events.finished.map((f) => [f.file, f.code]), [[join(dir, 'a.mp4'), 1]]);
  });
});

test('record tasks: start waits for the publisher, one artifact per task, stop ends it, list shows state', async () => {
  await withDir(async (dir) => {
    const hub = new StreamHub(() => ({ gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 10, mergedWriteMs: 0 }), () => {});
    const events = new Events();
    const config = { enabled: true, apps: ['auto'], record_path: dir };
    const records = new RecordService(() => config, hub, { events, logger: silentLogger(), maxQueuedBytes: 1 << 20 }, [dir]);
    hub.published.add((s) => records.published(s));
    hub.unpublished.add((s) => records.unpublished(s));

    const id = records.start('__defaultVhost__', 'live', 'cam');
    assert.deepEqual(records.list().map((t) => [t.id, t.state, t.url]), [[id, 'waiting', `/record/${id}.mp4`]]);
    const stream = hub.acquire('__defaultVhost__', 'live', 'cam');
    const publisher = { id: 'p', protocol: 'rtmp', session, close: () => {} };
    stream.attachPublisher(publisher);
    assert.equal(records.list()[0]!.state, 'recording');
    assert.deepEqual(events.started.map((s) => s.uuid), [id]);
    for (const f of [videoHeader, audioHeader, picture(0, true), aac(0), picture(40, false)]) stream.push(f);
    await records.stop(id);
    assert.equal(records.list()[0]!.state, 'done');
    assert.deepEqual(events.finished.map((f) => [f.uuid, f.file, f.url, f.code]), [[id, join(dir, `${id}.mp4`), `/record/${id}.mp4`, 0]]);
    assert.deepEqual(records.artifactPath(id), [join(dir, `${id}.mp4`)]);
    assert.deepEqual(records.artifactPath('../x'), []);

    // An app listed in the config is recorded on every publish.
    const auto = hub.acquire('__defaultVhost__', 'auto', 'cam');
    auto.attachPublisher(publisher);
    assert.equal(records.list().filter((t) => t.app === 'auto' && t.state === 'recording').length, 1);
    auto.detachPublisher(publisher);
    await records.close();
    assert.equal(events.finished.at(-1)!.code, 1, 'nothing was published: the task ends with an error code');
  });
});

test('a full disk pauses the recording (no empty file left, code 1); once space returns it resumes at a keyframe in a new file', async () => {
  await withSmallDisk(256 * 1024, async (disk) => {
    await disk.fill();
    const events = new Events();
    let now = 1_000_000;
    let files = 0;
    const recording = new Recording(
      { nextPath: () => join(disk.dir, `part${files++}.flv`), waitKeyframe: true, urlOf: () => '' },
      { session, events, logger: silentLogger(), maxQueuedBytes: 1 << 20, clock: () => now },
    );
    const feed = (frames: EncodedFrame[]) => frames.forEach((f) => recording.enqueue(f));
    feed([metadata, videoHeader, audioHeader, picture(0, true), aac(10), picture(40, false)]);
    await waitFor(() => events.finished[0], 'the failed file to be reported');
    assert.deepEqual([events.finished[0]!.code, events.finished[0]!.file], [1, ''], 'the empty file is removed');
    assert.deepEqual((await readdir(disk.dir)).filter((f) => f.endsWith('.flv')), []);

    await disk.free();
    feed([picture(80, true)]);
    assert.equal(files, 1, 'no new file before the retry delay');
    now += 5_001;
    feed([picture(120, false), aac(130), picture(160, true), aac(170), picture(200, false)]);
    await recording.close();
    assert.equal(files, 2);
    const tags = await readFlvFile(join(disk.dir, 'part1.flv'));
    const firstPicture = tags.find((t) => t.type === 9 && t.body[1] === 1);
    assert.equal(firstPicture?.body[0], 0x17, 'the resumed file starts at a keyframe');
    assert.deepEqual(events.finished.map((e) => e.code), [1, 0]);
  });
});

test('MP4 of a VP9 stream: the video is left out and the log says so; FLV keeps it', async () => {
  await withDir(async (dir) => {
    const { logger, lines } = capturingLogger();
    const vp9Header = frame('video', 0, Buffer.concat([Buffer.from([0x90, ...Buffer.from('vp09')]), readFileSync(new URL('../../fixtures/vp9-320x240.vpcc', import.meta.url))]), { sequenceHeader: true });
    const vp9Key = frame('video', 1000, [0x91, ...Buffer.from('vp09'), 0x82, 0x49, 0x83, 0x42], { keyframe: true });
    const recording = new Recording({ nextPath: () => join(dir, 'a.mp4'), waitKeyframe: true, urlOf: () => '' }, { session, events: new Events(), logger, maxQueuedBytes: 1 << 20 });
    for (const f of [vp9Header, audioHeader, vp9Key, ...Array.from({ length: 60 }, (_, i) => aac(1000 + i * 23))]) recording.enqueue(f);
    await recording.close();
    const boxes = walk(await readFile(join(dir, 'a.mp4')));
    assert.equal(findAll(boxes[1]!.children, 'trak').length, 1, 'the audio track only');
    const line = lines.find((l) => Array.isArray(l.left_out));
    assert.deepEqual(line?.left_out, ['VP9']);
    assert.match(String(line?.msg), /recording leaves VP9 out: \.mp4 cannot hold it/);
  });
});
