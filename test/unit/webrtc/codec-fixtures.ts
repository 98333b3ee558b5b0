import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ObuType, splitObus, type Obu } from '../../../src/codecs/av1.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

/** The frames of the VP9 fixture (IVF: a 32-byte file header, then 12-byte frame headers): a keyframe, then inter frames. */
export function vp9Frames(): Buffer[] {
  const file = readFileSync(join(FIXTURES, 'vp9-64x48.ivf'));
  const frames: Buffer[] = [];
  for (let at = 32; at < file.length; ) {
    const size = file.readUInt32LE(at);
    frames.push(file.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return frames;
}

/** The temporal units of the AV1 fixture, each a list of OBUs, temporal delimiters left out. */
export function av1Units(): Obu[][] {
  const units: Obu[][] = [];
  for (const obu of splitObus(readFileSync(join(FIXTURES, 'av1-64x48.obu')))) {
    if (obu.type === ObuType.TemporalDelimiter) units.push([]);
    else units[units.length - 1]!.push(obu);
  }
  return units;
}
