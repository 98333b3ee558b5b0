import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { ClientSession } from '../../../src/gate/types.js';
import { Stream } from '../../../src/hub/stream.js';
import type { MediaFrame } from '../../../src/media/frame.js';
import { classifyPacket } from '../../../src/protocols/webrtc/stun/demux.js';
import { RtcLinkCounters } from '../../../src/servers/webrtc/rtc-link.js';
import { RtcVideoFormat } from '../../../src/servers/webrtc/rtc-output.js';
import { RtcPlayer } from '../../../src/servers/webrtc/rtc-play.js';
import { SendPacer } from '../../../src/servers/webrtc/send-pacer.js';
import { silentLogger } from '../../../src/util/logger.js';
import { waitFor } from '../../support/wait.js';
import { picture, sequenceHeader } from './h264-fixture.js';
import { connectedPeer } from './rtc-peer.js';

/** A 60 KB picture: an I slice for a keyframe, else a P slice. */
function bigPicture(timestamp: number, keyframe: boolean): MediaFrame {
  return picture(timestamp, keyframe, [Buffer.concat([Buffer.from(keyframe ? [0x65, 0b1011_0000] : [0x41, 0b1100_0000]), Buffer.alloc(60_000, 7)])]);
}

interface Viewer {
  packets: number;
  closed?: string;
  /** Completions the socket has not given yet (a full send buffer). */
  held: Array<() => void>;
}

/** A WHEP player on a real transport (DTLS with an in-memory client); `stuck`: the socket never finishes sending its media. */
async function viewer(id: string, stream: Stream, format: RtcVideoFormat, pacer: SendPacer, stuck: boolean): Promise<Viewer> {
  const out: Viewer = { packets: 0, held: [] };
  const { transport } = await connectedPeer({
    id,
    pacer,
    media: (datagram, done) => {
      if (classifyPacket(datagram) !== 'rtp') return done();
      out.packets++;
      if (stuck) out.held.push(done);
      else setImmediate(done);
    },
  });
  const player = new RtcPlayer(id, stream, { video: { format, ssrc: 0x1234 }, cname: id, nack: false }, transport, new RtcLinkCounters(), () => false, silentLogger());
  player.start(undefined, (reason) => (out.closed = reason));
  return out;
}

// Every other player's rule, for WHEP too: a player whose socket stops sending is skipped to the
// next keyframe, then disconnected; the player beside it gets every packet.
test('a WHEP player whose UDP send queue backs up skips to the next keyframe, then is disconnected; the other plays on', async () => {
  const events = { published: () => undefined, unpublished: () => undefined, idle: () => undefined, gopDropped: () => undefined };
  const stream = new Stream('__defaultVhost__', 'live', 'slow', { gopCache: true, gopCacheMaxFrames: 1000, queueLengthSeconds: 0.05, mergedWriteMs: 0 }, events);
  stream.attachPublisher({ id: 'pub', protocol: 'rtmp', session: {} as ClientSession, close: () => undefined });
  const format = new RtcVideoFormat(102, 0x1234, { keepBframes: false, keepSei: true }, () => undefined);
  const pacer = new SendPacer((error) => assert.fail(String(error)));
  const healthy = await viewer('healthy', stream, format, pacer, false);
  const stuck = await viewer('stuck', stream, format, pacer, true);
  stream.push(sequenceHeader());
  let timestamp = 0;
  for (let frame = 0; frame < 500 && stuck.closed === undefined; frame++) {
    stream.push(bigPicture(timestamp, frame % 25 === 0));
    timestamp += 40;
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.match(stuck.closed ?? '', /too slow/);
  const reader = [...stream.readers].find((r) => r.id === 'stuck')!;
  assert.ok(reader.stats!.tooSlow);
  assert.ok(reader.stats!.framesDropped > 0, 'frames were skipped before the disconnect');
  // Frames pushed after the disconnect still reach the healthy player, and all of them did before.
  const before = healthy.packets;
  stream.push(bigPicture(timestamp, true));
  await waitFor(() => healthy.packets > before, 'media after the disconnect');
  assert.equal(healthy.closed, undefined);
  assert.equal([...stream.readers].find((r) => r.id === 'healthy')!.stats!.framesDropped, 0);
  assert.ok(healthy.packets > stuck.packets);
});
