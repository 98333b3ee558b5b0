import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';

const MAX_DEPTH = 4; // dvr_path templates nest a few directories ([app]/[2006]/[01]...)

/**
 * At start, cuts the incomplete tail a crash left on fragmented MP4 recordings: everything after
 * the last whole moof+mdat pair. What remains plays; complete files are left alone.
 * FLV files need nothing: readers stop at the last whole tag.
 */
export async function repairRecordings(dirs: string[], logger: Logger): Promise<void> {
  for (const dir of new Set(dirs)) {
    for (const file of await mp4Files(dir, MAX_DEPTH)) {
      try {
        const cut = await truncateIncompleteFragments(file);
        if (cut > 0) logger.warn({ file, bytes: cut }, 'recording repaired: cut an incomplete fragment left by a crash');
      } catch (error) {
        logger.warn({ err: error, file }, 'recording not repaired');
      }
    }
  }
}

async function mp4Files(dir: string, depth: number): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // not created yet
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.mp4')) files.push(path);
    else if (entry.isDirectory() && depth > 0) files.push(...(await mp4Files(path, depth - 1)));
  }
  return files;
}

/**
 * Walks the top-level boxes of a fragmented MP4 and truncates it after the last complete box that
 * is not a moof waiting for its mdat. Returns the bytes removed (0 when the file was whole or does
 * not look like ours: no ftyp first, or no complete moov).
 */
export async function truncateIncompleteFragments(path: string): Promise<number> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    let offset = 0;
    let goodEnd = 0;
    let sawMoov = false;
    while (offset + 8 <= size) {
      await file.read(header, 0, 16, offset);
      const type = header.toString('latin1', 4, 8);
      let boxSize = header.readUInt32BE(0);
      if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
      else if (boxSize === 0) boxSize = size - offset; // runs to the end of the file
      if (offset === 0 && type !== 'ftyp') return 0;
      if (boxSize < 8 || offset + boxSize > size) break;
      offset += boxSize;
      if (type === 'moov') sawMoov = true;
      if (type !== 'moof') goodEnd = offset; // a moof counts only once its mdat is whole
    }
    if (!sawMoov || goodEnd === size) return 0;
    await file.truncate(goodEnd);
    return size - goodEnd;
  } finally {
    await file.close();
  }
}
