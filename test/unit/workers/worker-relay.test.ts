import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcChannel } from '../../../src/app/workers/ipc.js';
import { WorkerRelay, type LocalRtc } from '../../../src/app/workers/worker-relay.js';
import { Audience } from '../../../src/hub/audience.js';
import type { StreamReader } from '../../../src/hub/reader.js';
import type { Publisher, StreamOptions } from '../../../src/hub/stream.js';
import { StreamHub } from '../../../src/hub/stream-hub.js';
import type { EncodedFrame, MediaFrame } from '../../../src/media/frame.js';
import type { AudioPacket } from '../../../src/transcode/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../support/wait.js';

/**
 * Two workers' relays in one process, over a real Unix socket: the primary's part (telling the
 * publisher's worker to relay) is played by calling its handler.
 */

/** SRS's defaults, rtc_to_rtmp and rtmp_to_rtc off: a WebRTC publish reaches WebRTC players only. */
const options: StreamOptions = {
  gopCache: true, gopCacheMaxFrames: 2500, queueLengthSeconds: 10, mergedWriteMs: 0,
  reaches: (publisher, audience) => (publisher.protocol === 'webrtc') === (audience === Audience.webrtc),
};

class Collector implements StreamReader {
  readonly frames: EncodedFrame[] = [];
  constructor(readonly id: string, readonly audience?: string) {}
  enqueue(frame: EncodedFrame): boolean {
    this.frames.push(frame);
    return false;
  }
  flush(): void {}
  resync(): void {}
}

/** A WebRTC server's part in the worker that publishes: its players' Opus, its publisher's keyframes. */
class FakeRtc implements LocalRtc {
  listeners = new Set<(packet: AudioPacket) => void>();
  keyframes = 0;
  localAudio(_stream: unknown, listener: (packet: AudioPacket) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  requestKeyframe(): boolean {
    this.keyframes++;
    return true;
  }
}

function fakeChannel(): { channel: IpcChannel; handlers: Map<string, (body: never) => unknown> } {
  const handlers = new Map<string, (body: never) => unknown>();
  const channel = { handle: (name: string, handler: (body: never) => unknown) => void handlers.set(name, handler), note: () => {} };
  return { channel: channel as unknown as IpcChannel, handlers };
}

const publisher: Publisher = { id: 'whip-1', protocol: 'webrtc', session: {} as never, close: () => {} };
const header: MediaFrame = { kind: 'video', timestamp: 0, body: Buffer.from([0x17, 0, 0, 0, 0, 1, 2]), keyframe: true, sequenceHeader: true };
const keyframe = (timestamp: number): MediaFrame => ({ kind: 'video', timestamp, body: Buffer.from([0x17, 1, 0, 0, 0, 9]), keyframe: true, sequenceHeader: false });

test("a WebRTC publish crosses workers whatever its reach, keeps its protocol there, and the other worker's players get its Opus and keyframes from its worker", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-relay-'));
  const [hubA, hubB] = [new StreamHub(() => options, () => {}), new StreamHub(() => options, () => {})];
  const [a, b] = [fakeChannel(), fakeChannel()];
  const rtcA = new FakeRtc();
  const relayA = new WorkerRelay(1, dir, hubA, a.channel, silentLogger(), rtcA);
  const relayB = new WorkerRelay(2, dir, hubB, b.channel, silentLogger(), new FakeRtc());
  await relayA.start();
  await relayB.start();
  try {
    const streamA = hubA.acquire('v', 'live', 'web');
    assert.ok(streamA.attachPublisher(publisher));
    const streamB = hubB.acquire('v', 'live', 'web');
    const webrtcPlayer = new Collector('whep', Audience.webrtc);
    const rtmpPlayer = new Collector('rtmp');
    streamB.addReader(webrtcPlayer);
    streamB.addReader(rtmpPlayer);
    a.handlers.get('relay.open')!({ vhost: 'v', app: 'live', name: 'web', to: 2 } as never);
    await waitFor(() => streamB.publisher, 'the mirror publisher on the other worker');
    assert.equal(streamB.publisher!.protocol, 'webrtc', "the mirror takes the publisher's protocol");
    assert.ok(streamB.publisher!.mirror);

    streamA.push(header);
    streamA.push(keyframe(40));
    await waitFor(() => webrtcPlayer.frames.length === 2, "the WebRTC player on the other worker gets the publish's frames");
    assert.equal(rtmpPlayer.frames.length, 0, 'the reach policy keeps them from RTMP players there too');

    // Opus: asked for while a player on the other worker wants it, sent as this worker's players get it.
    const heard: AudioPacket[] = [];
    const unsubscribe = relayB.upstream.opus(streamB, (packet) => heard.push(packet));
    await waitFor(() => rtcA.listeners.size === 1, 'the publisher\'s worker taps its Opus');
    for (const listener of rtcA.listeners) listener({ timestamp: 60, data: Buffer.from('opus packet') });
    await waitFor(() => heard.length === 1, 'the Opus packet crosses');
    assert.deepEqual({ ...heard[0], data: heard[0]!.data.toString() }, { timestamp: 60, data: 'opus packet' });

    assert.equal(relayB.upstream.requestKeyframe(streamB), true);
    await waitFor(() => rtcA.keyframes === 1, 'the keyframe request reaches the publisher\'s worker');

    unsubscribe();
    await waitFor(() => rtcA.listeners.size === 0, 'the tap is dropped with the last listener');

    // The publisher leaves: the mirror goes, and nothing is relayed to be asked any more.
    relayB.upstream.opus(streamB, (packet) => heard.push(packet));
    await waitFor(() => rtcA.listeners.size === 1, 'tapped again');
    streamA.detachPublisher(publisher);
    await waitFor(() => !streamB.publisher, 'the mirror publisher leaves');
    await waitFor(() => rtcA.listeners.size === 0, 'the tap goes with the publish');
    assert.equal(relayB.upstream.requestKeyframe(streamB), false);

    // A republish on the same worker comes back with its protocol, and the Opus is asked for again.
    assert.ok(streamA.attachPublisher({ ...publisher, id: 'whip-2' }));
    await waitFor(() => streamB.publisher, 'the mirror is back');
    await waitFor(() => rtcA.listeners.size === 1, 'the Opus is asked for again');
  } finally {
    await relayA.stop();
    await relayB.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
