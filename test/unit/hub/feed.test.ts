import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodedFrame, type FrameKind } from '../../../src/media/frame.js';
import { Feed } from '../../../src/hub/feed.js';
import { Reader, type FrameSink, type OutputFormat, type ReaderLimits } from '../../../src/hub/reader.js';
import { Stream } from '../../../src/hub/stream.js';

// Each frame encodes as its label and a bar, so what a sink got reads as "K0|P1|A2|".
const format: OutputFormat = { key: 'test', encode: (frame) => Buffer.from(`${frame.body.toString()}|`) };

/** A sink that records its writes; `pendingBytes` is set by the test to play a slow client. */
class FakeSink implements FrameSink {
  pendingBytes = 0;
  readonly writes: Buffer[] = [];
  closedWith: string | undefined;
  write(bytes: Buffer): void {
    this.writes.push(bytes);
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  get text(): string {
    return this.writes.map((b) => b.toString()).join('');
  }
}

function frame(label: string, timestamp = 0): EncodedFrame {
  const kinds: Record<string, FrameKind> = { K: 'video', P: 'video', V: 'video', A: 'audio', S: 'audio', M: 'data' };
  const kind = kinds[label[0]!]!;
  return new EncodedFrame({
    kind,
    timestamp,
    body: Buffer.from(label),
    keyframe: label[0] === 'K',
    sequenceHeader: label[0] === 'V' || label[0] === 'S',
  });
}

const limits: ReaderLimits = { maxPendingBytes: 1000, maxStallMs: 5000 };

function player(feed: Feed, id: string): { reader: Reader; sink: FakeSink } {
  const sink = new FakeSink();
  const reader = new Reader(id, sink, format);
  feed.readers.add(reader);
  reader.join(feed.end, []);
  return { reader, sink };
}

const append = (feed: Feed, labels: string) => labels.split(' ').forEach((label) => feed.append(frame(label)));

/** A stream with a GOP cache and no one listening to its events; `mergedWriteMs` 0 flushes at once. */
const newStream = (mergedWriteMs: number): Stream =>
  new Stream('v', 'live', 's', { gopCache: true, gopCacheMaxFrames: 100, queueLengthSeconds: 10, mergedWriteMs }, { published() {}, unpublished() {}, idle() {}, gopDropped() {} });

test('players in step get the frames in order, joined once per flush and shared by all', () => {
  const feed = new Feed(format);
  const players = [player(feed, 'a'), player(feed, 'b'), player(feed, 'c')];
  append(feed, 'V0 S0 K1 A1 P2 A2');
  feed.flush(limits, 0);
  append(feed, 'P3 A3');
  feed.flush(limits, 0);
  for (const { sink } of players) {
    assert.equal(sink.text, 'V0|S0|K1|A1|P2|A2|P3|A3|');
    assert.equal(sink.writes.length, 2, 'one write per flush');
  }
  assert.equal(players[0]!.sink.writes[1], players[2]!.sink.writes[1], 'the same joined buffer');
  assert.equal(feed.heldBytes, 0, 'nothing kept once everyone is past it');
});

test('a slow player skips to the next keyframe while the others go on, and keeps every sequence header', () => {
  const feed = new Feed(format);
  const fast = player(feed, 'fast');
  const slow = player(feed, 'slow');
  append(feed, 'V0 S0 K1 A1');
  feed.flush(limits, 0);
  slow.sink.pendingBytes = 5000; // behind: over the 1000-byte bound
  append(feed, 'P2 A2 V3 P3');
  feed.flush(limits, 10);
  slow.sink.pendingBytes = 600; // under the bound, but not yet under half of it: still stalled
  append(feed, 'P4 A4');
  feed.flush(limits, 20);
  slow.sink.pendingBytes = 0;
  append(feed, 'P5 A5 K6 A6 P7');
  feed.flush(limits, 30);
  append(feed, 'A8 P8');
  feed.flush(limits, 40);
  assert.equal(fast.sink.text, 'V0|S0|K1|A1|P2|A2|V3|P3|P4|A4|P5|A5|K6|A6|P7|A8|P8|');
  // While stalled only the new sequence header passes; caught up, audio flows and video waits for K6.
  assert.equal(slow.sink.text, 'V0|S0|K1|A1|V3|A5|K6|A6|P7|A8|P8|');
  assert.equal(slow.sink.closedWith, undefined);
});

test('a player stuck above the bound for longer than maxStallMs is disconnected; the others are not', () => {
  const feed = new Feed(format);
  const fast = player(feed, 'fast');
  const stuck = player(feed, 'stuck');
  stuck.sink.pendingBytes = 5000;
  append(feed, 'K0');
  feed.flush(limits, 0);
  append(feed, 'P1');
  feed.flush(limits, limits.maxStallMs + 1);
  assert.match(stuck.sink.closedWith ?? '', /too slow: 5000 bytes unread/);
  append(feed, 'P2');
  feed.flush(limits, limits.maxStallMs + 2);
  assert.equal(fast.sink.text, 'K0|P1|P2|');
});

test('a new player gets metadata, sequence headers and the GOP at once, then joins the group', () => {
  const feed = new Feed(format);
  const early = player(feed, 'early');
  append(feed, 'K1 A1 P2');
  feed.flush(limits, 0);
  const late = new FakeSink();
  const reader = new Reader('late', late, format);
  feed.readers.add(reader);
  reader.join(feed.end, ['M0', 'V0', 'S0', 'K1', 'A1', 'P2'].map((label) => frame(label)));
  append(feed, 'A3 P3');
  feed.flush(limits, 0);
  assert.equal(late.text, 'M0|V0|S0|K1|A1|P2|A3|P3|');
  append(feed, 'P4');
  feed.flush(limits, 0);
  assert.equal(late.writes.at(-1), early.sink.writes.at(-1), 'in the group after its first flush');
});

test('a player with video off takes its own frames; a player that joins without a GOP waits for a keyframe', () => {
  const feed = new Feed(format);
  const audioOnly = player(feed, 'audio-only');
  audioOnly.reader.videoEnabled = false;
  append(feed, 'V0 S0 K1 A1');
  feed.flush(limits, 0);
  const joiner = player(feed, 'joiner');
  append(feed, 'P2 A2 K3 A3');
  feed.flush(limits, 0);
  assert.equal(audioOnly.sink.text, 'V0|S0|A1|A2|A3|');
  assert.equal(joiner.sink.text, 'A2|K3|A3|');
});

test('the feed stays within its byte bound even when a player holds back its start', () => {
  const feed = new Feed(format);
  const held = new FakeSink();
  let open = false;
  const reader = new Reader('held', held, format, { ready: () => open });
  feed.readers.add(reader);
  reader.join(feed.end, []);
  const small: ReaderLimits = { maxPendingBytes: 40, maxStallMs: 5000 };
  append(feed, 'V0 S0 K1 P1 P1 P1 P1 P1');
  feed.flush(small, 0);
  assert.equal(held.writes.length, 0);
  append(feed, `V2 K2 ${Array(13).fill('P2').join(' ')}`);
  feed.flush(small, 0);
  assert.ok(feed.heldBytes <= 40, `${feed.heldBytes} bytes held`);
  open = true;
  append(feed, 'K3 P3');
  feed.flush(small, 0);
  // Left behind the front: the headers in effect there (V2 replaced V0), then the next keyframe.
  assert.equal(held.text, 'V2|S0|K3|P3|');
});

test('a stream appends each frame once per output format, whatever the number of players', () => {
  const stream = newStream(0);
  let encodes = 0;
  const counting: OutputFormat = { key: 'counted', encode: (f) => (encodes++, format.encode(f)) };
  const sinks = Array.from({ length: 50 }, () => new FakeSink());
  sinks.forEach((sink, i) => stream.addReader(new Reader(`p${i}`, sink, counting)));
  for (const label of ['V0', 'K1', 'P2', 'P3']) stream.push({ ...frame(label), timestamp: 0 });
  stream.flush();
  assert.equal(encodes, 4);
  for (const sink of sinks) assert.equal(sink.text, 'V0|K1|P2|P3|');
});

test('a format that numbers its output numbers a new player\'s GOP before the frames that come while it waits for its first write', () => {
  const stream = newStream(20);
  let next = 0;
  const numbering: OutputFormat = { key: 'numbered', encode: (f) => Buffer.from(`${next++}:${f.body.toString()}|`) };
  for (const label of ['V0', 'K1', 'P2']) stream.push(frame(label));
  const sink = new FakeSink();
  stream.addReader(new Reader('p', sink, numbering));
  stream.push(frame('P3')); // before the flush the reader's start scheduled
  stream.flush();
  assert.equal(sink.text, '0:V0|1:K1|2:P2|3:P3|');
});

test('a new player leaves out audio older than its first keyframe, sent late by the publisher, then joins the group', () => {
  const feed = new Feed(format);
  const early = player(feed, 'early');
  feed.append(frame('K0', 0));
  feed.append(frame('A0', 0));
  feed.append(frame('K1', 1000));
  feed.flush(limits, 0);
  const late = new FakeSink();
  const reader = new Reader('late', late, format);
  feed.readers.add(reader);
  reader.join(feed.end, [frame('V0'), frame('S0'), frame('K1', 1000)]);
  // Audio packed together by the publisher reaches us after the keyframe.
  for (const [label, timestamp] of [['A1', 860], ['A2', 980], ['P2', 1040], ['A3', 1000], ['P3', 1080]] as const) feed.append(frame(label, timestamp));
  feed.flush(limits, 0);
  assert.equal(late.text, 'V0|S0|K1|P2|A3|P3|');
  assert.equal(early.sink.text, 'K0|A0|K1|A1|A2|P2|A3|P3|', 'a player already playing gets every frame');
  feed.append(frame('P4', 1120));
  feed.flush(limits, 0);
  assert.equal(late.writes.at(-1), early.sink.writes.at(-1), 'in the group once audio caught up');
});

test('a player of a stream without audio joins the group a second after its first keyframe', () => {
  const feed = new Feed(format);
  const early = player(feed, 'early');
  const late = player(feed, 'late');
  for (let t = 0; t <= 1200; t += 40) feed.append(frame(t === 0 ? 'K0' : 'P', t));
  feed.flush(limits, 0);
  feed.append(frame('P', 1240));
  feed.flush(limits, 0);
  assert.equal(late.sink.writes.at(-1), early.sink.writes.at(-1));
});

test('a live-edge player gets the headers but no GOP, and its audio waits for the first keyframe', () => {
  const stream = newStream(0);
  const cached = new FakeSink();
  const live = new FakeSink();
  for (const [label, timestamp] of [['V0', 0], ['S0', 0], ['K1', 0], ['A1', 20], ['P1', 40]] as const) stream.push(frame(label, timestamp));
  stream.addReader(new Reader('cached', cached, format));
  stream.addReader(new Reader('live', live, format), 'live');
  for (const [label, timestamp] of [['A2', 60], ['P2', 80], ['K3', 1000], ['A3', 1000], ['P3', 1040]] as const) stream.push(frame(label, timestamp));
  stream.flush();
  assert.equal(cached.text, 'V0|S0|K1|A1|P1|A2|P2|K3|A3|P3|');
  assert.equal(live.text, 'V0|S0|K3|A3|P3|');
});

test('a player of a stream whose video stopped plays its audio alone after ten seconds without a keyframe', () => {
  const feed = new Feed(format);
  const sink = new FakeSink();
  const reader = new Reader('p', sink, format);
  feed.readers.add(reader);
  reader.join(feed.end, [frame('V0'), frame('S0')]);
  for (const t of [0, 5000, 9999, 10_000, 10_020]) feed.append(frame('A', t));
  feed.flush(limits, 0);
  assert.equal(sink.text, 'V0|S0|A|A|');
});
