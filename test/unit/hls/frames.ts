import { EncodedFrame } from '../../../src/media/frame.js';

const AVC_CONFIG = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 3, 0x68, 0xce, 0x3c]);

export const videoHeader = (): EncodedFrame =>
  new EncodedFrame({ kind: 'video', timestamp: 0, body: AVC_CONFIG, keyframe: false, sequenceHeader: true });

export const audioHeader = (): EncodedFrame =>
  new EncodedFrame({ kind: 'audio', timestamp: 0, body: Buffer.from([0xaf, 0x00, 0x12, 0x10]), keyframe: false, sequenceHeader: true });

export function video(timestamp: number, keyframe: boolean): EncodedFrame {
  const nal = keyframe ? [0x65, 0x88, 0x80] : [0x41, 0x9a, 0x02];
  const body = Buffer.from([keyframe ? 0x17 : 0x27, 1, 0, 0, 0, 0, 0, 0, 3, ...nal]);
  return new EncodedFrame({ kind: 'video', timestamp, body, keyframe, sequenceHeader: false });
}

export function audio(timestamp: number): EncodedFrame {
  return new EncodedFrame({ kind: 'audio', timestamp, body: Buffer.from([0xaf, 1, 0x21, 0x10, 0x04]), keyframe: false, sequenceHeader: false });
}

/** 25 fps video with a keyframe every `gopMs`, and audio every 23 ms, from `from` to `to` ms. */
export function* av(from: number, to: number, gopMs: number): Generator<EncodedFrame> {
  let nextAudio = from;
  for (let t = from; t < to; t += 40) {
    while (nextAudio <= t) {
      yield audio(nextAudio);
      nextAudio += 23;
    }
    yield video(t, (t - from) % gopMs === 0);
  }
}
