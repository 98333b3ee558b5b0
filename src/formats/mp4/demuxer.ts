import { open, type FileHandle } from 'node:fs/promises';
import type { MediaFrame } from '../../media/frame.js';
import { ProtocolError } from '../../util/errors.js';

/**
 * Reads a progressive MP4 (moov + mdat, in either order) with H.264 video and AAC audio, and
 * gives its samples as frames in decode order, in the FLV/RTMP body layout the hub carries:
 * sequence headers first, then each sample read from the file when it is due. The sample
 * tables are held, the media never is.
 */

interface Sample {
  offset: number;
  size: number;
  /** Decode time and composition offset, ms. */
  dts: number;
  cto: number;
  keyframe: boolean;
}

interface Track {
  kind: 'audio' | 'video';
  /** avcC or AudioSpecificConfig. */
  config: Buffer;
  samples: Sample[];
}

const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);

export async function* readMp4Frames(path: string): AsyncGenerator<MediaFrame> {
  const file = await open(path, 'r');
  try {
    const tracks = parseMoov(await readMoov(file));
    if (tracks.length === 0) throw new ProtocolError('no H.264 or AAC track');
    for (const track of tracks) yield sequenceHeader(track);
    const all = tracks.flatMap((track) => track.samples.map((sample) => ({ track, sample })));
    all.sort((a, b) => a.sample.dts - b.sample.dts || (a.track.kind === 'video' ? -1 : 1));
    for (const { track, sample } of all) {
      const data = Buffer.allocUnsafe(sample.size);
      const { bytesRead } = await file.read(data, 0, sample.size, sample.offset);
      if (bytesRead < sample.size) throw new ProtocolError(`sample at ${sample.offset} runs past the end of the file`);
      yield mediaFrame(track, sample, data);
    }
  } finally {
    await file.close();
  }
}

async function readMoov(file: FileHandle): Promise<Buffer> {
  const { size } = await file.stat();
  const header = Buffer.alloc(16);
  for (let at = 0; at + 8 <= size; ) {
    await file.read(header, 0, 16, at);
    let length = header.readUInt32BE(0);
    let headerSize = 8;
    if (length === 1) {
      length = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    } else if (length === 0) {
      length = size - at;
    }
    if (length < headerSize) throw new ProtocolError(`box at ${at} has size ${length}`);
    if (header.toString('latin1', 4, 8) === 'moov') {
      if (length > MAX_MOOV_BYTES) throw new ProtocolError(`moov of ${length} bytes is too large`);
      const moov = Buffer.alloc(length - headerSize);
      await file.read(moov, 0, moov.length, at + headerSize);
      return moov;
    }
    at += length;
  }
  throw new ProtocolError('no moov box (a fragmented or truncated file?)');
}

/** The child boxes of `buf` as [type, payload]. */
function* boxes(buf: Buffer): Generator<[string, Buffer]> {
  for (let at = 0; at + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    if (length < 8 || at + length > buf.length) throw new ProtocolError(`bad box size ${length} at ${at}`);
    yield [buf.toString('latin1', at + 4, at + 8), buf.subarray(at + 8, at + length)];
    at += length;
  }
}

/** Finds the boxes on `path` (`mdia/minf/stbl/stsz`) under `buf`. */
function find(buf: Buffer, path: string): Buffer | undefined {
  const [head, ...rest] = path.split('/');
  for (const [type, body] of boxes(buf)) {
    if (type !== head) continue;
    return rest.length === 0 ? body : CONTAINERS.has(type) ? find(body, rest.join('/')) : undefined;
  }
  return undefined;
}

function parseMoov(moov: Buffer): Track[] {
  const tracks: Track[] = [];
  for (const [type, trak] of boxes(moov)) {
    if (type !== 'trak') continue;
    const track = parseTrak(trak);
    if (track) tracks.push(track);
  }
  return tracks;
}

function parseTrak(trak: Buffer): Track | undefined {
  const handler = find(trak, 'mdia/hdlr')?.toString('latin1', 8, 12);
  const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : undefined;
  const mdhd = find(trak, 'mdia/mdhd');
  const stbl = find(trak, 'mdia/minf/stbl');
  if (!kind || !mdhd || !stbl) return undefined;
  const timescale = mdhd[0] === 1 ? mdhd.readUInt32BE(20) : mdhd.readUInt32BE(12);
  const config = sampleConfig(kind, find(stbl, 'stsd'));
  if (!config || timescale === 0) return undefined;
  return { kind, config, samples: sampleTable(stbl, timescale) };
}

/** avcC of an avc1 entry, or the AudioSpecificConfig in an mp4a entry's esds. */
function sampleConfig(kind: 'audio' | 'video', stsd: Buffer | undefined): Buffer | undefined {
  if (!stsd || stsd.length < 16) return undefined;
  const entry = stsd.subarray(8);
  const type = entry.toString('latin1', 4, 8);
  const body = entry.subarray(8, entry.readUInt32BE(0));
  if (kind === 'video') return type === 'avc1' ? find(body.subarray(78), 'avcC') : undefined;
  if (type !== 'mp4a') return undefined;
  const esds = find(body.subarray(28), 'esds');
  return esds && decoderSpecificInfo(esds.subarray(4));
}

/** Walks ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo (tag 5). */
function decoderSpecificInfo(buf: Buffer): Buffer | undefined {
  let at = 0;
  while (at < buf.length) {
    const tag = buf[at++]!;
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const byte = buf[at++] ?? 0;
      length = (length << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    if (tag === 5) return buf.subarray(at, at + length);
    if (tag === 3) at += 3; // ES_ID, flags (no optional fields in practice)
    else if (tag === 4) at += 13; // objectType, streamType, buffer size, bitrates
    else at += length;
  }
  return undefined;
}

function sampleTable(stbl: Buffer, timescale: number): Sample[] {
  const need = (type: string): Buffer => {
    const body = find(stbl, type);
    if (!body) throw new ProtocolError(`track without ${type}`);
    return body;
  };
  const stsz = need('stsz');
  const fixed = stsz.readUInt32BE(4);
  const count = stsz.readUInt32BE(8);
  const sizes = Array.from({ length: count }, (_, i) => (fixed !== 0 ? fixed : stsz.readUInt32BE(12 + 4 * i)));
  const dts = runs(need('stts'), count, true);
  const ctts = find(stbl, 'ctts');
  const cto = ctts ? runs(ctts, count, false) : undefined;
  const stss = find(stbl, 'stss');
  const sync = stss ? new Set(Array.from({ length: stss.readUInt32BE(4) }, (_, i) => stss.readUInt32BE(8 + 4 * i) - 1)) : undefined;
  const offsets = chunkOffsets(stbl, need('stsc'), sizes);
  const ms = (t: number) => Math.round((t * 1000) / timescale);
  return sizes.map((size, i) => ({
    offset: offsets[i]!,
    size,
    dts: ms(dts[i]!),
    cto: cto ? ms(cto[i]!) : 0,
    keyframe: sync ? sync.has(i) : true,
  }));
}

/** stts (running sum of deltas) or ctts (signed offsets) expanded to one value per sample. */
function runs(body: Buffer, count: number, sum: boolean): number[] {
  const out: number[] = [];
  let time = 0;
  const entries = body.readUInt32BE(4);
  for (let e = 0; e < entries && out.length < count; e++) {
    const n = body.readUInt32BE(8 + 8 * e);
    const value = sum ? body.readUInt32BE(12 + 8 * e) : body.readInt32BE(12 + 8 * e);
    for (let i = 0; i < n && out.length < count; i++) {
      out.push(sum ? time : value);
      if (sum) time += value;
    }
  }
  while (out.length < count) out.push(sum ? time : 0);
  return out;
}

function chunkOffsets(stbl: Buffer, stsc: Buffer, sizes: number[]): number[] {
  const stco = find(stbl, 'stco');
  const co64 = find(stbl, 'co64');
  const table = stco ?? co64;
  if (!table) throw new ProtocolError('track without stco or co64');
  const chunks = table.readUInt32BE(4);
  const chunkAt = (c: number) => (stco ? stco.readUInt32BE(8 + 4 * c) : Number(co64!.readBigUInt64BE(8 + 8 * c)));
  const entries = stsc.readUInt32BE(4);
  const out: number[] = [];
  for (let e = 0; e < entries; e++) {
    const first = stsc.readUInt32BE(8 + 12 * e) - 1;
    const last = e + 1 < entries ? stsc.readUInt32BE(8 + 12 * (e + 1)) - 1 : chunks;
    const perChunk = stsc.readUInt32BE(12 + 12 * e);
    for (let c = first; c < last && c < chunks; c++) {
      let at = chunkAt(c);
      for (let i = 0; i < perChunk && out.length < sizes.length; i++) {
        out.push(at);
        at += sizes[out.length - 1]!;
      }
    }
  }
  return out;
}

// FLV tag-body headers: AVC (codec 7) key/inter frames, AAC (sound format 10, 44 kHz, 16 bit, stereo).
const AVC_KEY = 0x17;
const AVC_INTER = 0x27;
const AAC = 0xaf;

function sequenceHeader(track: Track): MediaFrame {
  const head = track.kind === 'video' ? Buffer.from([AVC_KEY, 0, 0, 0, 0]) : Buffer.from([AAC, 0]);
  return { kind: track.kind, timestamp: 0, body: Buffer.concat([head, track.config]), keyframe: false, sequenceHeader: true };
}

function mediaFrame(track: Track, sample: Sample, data: Buffer): MediaFrame {
  if (track.kind === 'audio') {
    return { kind: 'audio', timestamp: sample.dts, body: Buffer.concat([Buffer.from([AAC, 1]), data]), keyframe: false, sequenceHeader: false };
  }
  const head = Buffer.from([sample.keyframe ? AVC_KEY : AVC_INTER, 1, 0, 0, 0]);
  head.writeIntBE(sample.cto, 2, 3);
  return { kind: 'video', timestamp: sample.dts, body: Buffer.concat([head, data]), keyframe: sample.keyframe, sequenceHeader: false };
}
