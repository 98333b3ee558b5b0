import { box, fullBox, i32, u32, u64 } from './box.js';
import type { Mp4Sample } from './track.js';

/** The samples of one track in one fragment. */
export interface TrackRun {
  trackId: number;
  /** Decode time of the first sample, in the track's timescale. */
  baseDecodeTime: number;
  samples: Mp4Sample[];
}

const DEFAULT_BASE_IS_MOOF = 0x020000;
// trun flags: data-offset, then per sample duration, size, flags and composition offset.
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
// sample_flags: depends_on = 2 (an I picture / independent) for sync samples; depends_on = 1 and
// sample_is_non_sync_sample for the others.
const SYNC_SAMPLE = 0x02000000;
const NON_SYNC_SAMPLE = 0x01010000;

/**
 * One moof + mdat pair. Data offsets count from the moof (default-base-is-moof), so the
 * fragment is self-contained: a file cut after it still plays up to here.
 */
export function fragment(sequence: number, runs: TrackRun[]): Buffer {
  const used = runs.filter((run) => run.samples.length > 0);
  // The trun data offsets depend on the moof size, which does not depend on their values.
  const moofSize = moof(sequence, used, used.map(() => 0)).length;
  const offsets: number[] = [];
  let offset = moofSize + 8; // past the mdat header
  for (const run of used) {
    offsets.push(offset);
    offset += run.samples.reduce((sum, s) => sum + s.data.length, 0);
  }
  const mdat = box('mdat', ...used.flatMap((run) => run.samples.map((s) => s.data)));
  return Buffer.concat([moof(sequence, used, offsets), mdat]);
}

function moof(sequence: number, runs: TrackRun[], dataOffsets: number[]): Buffer {
  return box('moof', fullBox('mfhd', 0, 0, u32(sequence)), ...runs.map((run, i) => traf(run, dataOffsets[i]!)));
}

function traf(run: TrackRun, dataOffset: number): Buffer {
  const samples = run.samples.flatMap((s) => [
    u32(s.duration),
    u32(s.data.length),
    u32(s.sync ? SYNC_SAMPLE : NON_SYNC_SAMPLE),
    i32(s.compositionOffset),
  ]);
  return box(
    'traf',
    fullBox('tfhd', 0, DEFAULT_BASE_IS_MOOF, u32(run.trackId)),
    fullBox('tfdt', 1, 0, u64(run.baseDecodeTime)),
    // Version 1: signed composition offsets, so B-frames need no edit list.
    fullBox('trun', 1, TRUN_FLAGS, u32(run.samples.length), i32(dataOffset), ...samples),
  );
}
