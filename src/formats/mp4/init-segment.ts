import { box, fourcc, fullBox, u16, u32, unityMatrix, zeros } from './box.js';
import { sampleEntry } from './sample-entry.js';
import type { Mp4Track } from './track.js';

const MOVIE_TIMESCALE = 1000;

/**
 * ftyp + moov of a fragmented MP4: the tracks' sample descriptions with empty sample tables, and
 * mvex so players expect the samples in the moof/mdat fragments that follow.
 */
export function initSegment(tracks: Mp4Track[]): Buffer {
  const ftyp = box('ftyp', fourcc('isom'), u32(0x200), fourcc('isom'), fourcc('iso6'), fourcc('mp41'));
  const nextTrackId = Math.max(0, ...tracks.map((t) => t.id)) + 1;
  const moov = box('moov', mvhd(nextTrackId), ...tracks.map(trak), box('mvex', ...tracks.map(trex)));
  return Buffer.concat([ftyp, moov]);
}

function mvhd(nextTrackId: number): Buffer {
  return fullBox(
    'mvhd', 0, 0,
    u32(0), u32(0), // creation, modification time
    u32(MOVIE_TIMESCALE),
    u32(0), // duration: unknown, it lives in the fragments
    u32(0x00010000), // rate 1.0
    u16(0x0100), // volume 1.0
    zeros(10), // reserved
    unityMatrix(),
    zeros(24), // pre_defined
    u32(nextTrackId),
  );
}

function trak(track: Mp4Track): Buffer {
  return box('trak', tkhd(track), box('mdia', mdhd(track), hdlr(track), minf(track)));
}

const TRACK_ENABLED_IN_MOVIE = 0x000003;

function tkhd(track: Mp4Track): Buffer {
  const video = track.kind === 'video';
  return fullBox(
    'tkhd', 0, TRACK_ENABLED_IN_MOVIE,
    u32(0), u32(0), // creation, modification time
    u32(track.id),
    u32(0), // reserved
    u32(0), // duration
    zeros(8), // reserved
    u16(0), // layer
    u16(0), // alternate_group
    u16(video ? 0 : 0x0100), // volume
    u16(0), // reserved
    unityMatrix(),
    u32((video ? track.width ?? 0 : 0) * 0x10000), // 16.16
    u32((video ? track.height ?? 0 : 0) * 0x10000),
  );
}

const LANGUAGE_UND = 0x55c4; // 'und' packed as three 5-bit letters

function mdhd(track: Mp4Track): Buffer {
  return fullBox('mdhd', 0, 0, u32(0), u32(0), u32(track.timescale), u32(0), u16(LANGUAGE_UND), u16(0));
}

function hdlr(track: Mp4Track): Buffer {
  const video = track.kind === 'video';
  const name = Buffer.from(video ? 'VideoHandler\0' : 'SoundHandler\0', 'latin1');
  return fullBox('hdlr', 0, 0, u32(0), fourcc(video ? 'vide' : 'soun'), zeros(12), name);
}

function minf(track: Mp4Track): Buffer {
  const header = track.kind === 'video'
    ? fullBox('vmhd', 0, 1, zeros(8)) // graphicsmode copy, opcolor
    : fullBox('smhd', 0, 0, zeros(4)); // balance, reserved
  const dref = fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)); // media in this file
  return box('minf', header, box('dinf', dref), stbl(track));
}

function stbl(track: Mp4Track): Buffer {
  return box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry(track)),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
}

function trex(track: Mp4Track): Buffer {
  // Defaults are unused: every trun carries duration, size and flags per sample.
  return fullBox('trex', 0, 0, u32(track.id), u32(1), u32(0), u32(0), u32(0));
}
