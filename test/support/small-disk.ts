import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `body` with a directory on a tmpfs of `bytes` (a real filesystem that can fill up; the
 * tests run as root, as CI does). `fill()` takes every free byte, `free()` gives them back.
 */
export async function withSmallDisk(
  bytes: number,
  body: (disk: { dir: string; fill(): Promise<void>; free(): Promise<void> }) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  const filler = join(dir, '.filler');
  try {
    await body({
      dir,
      fill: () => writeFile(filler, Buffer.alloc(bytes)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOSPC') throw error;
      }),
      free: () => rm(filler, { force: true }),
    });
  } finally {
    execFileSync('umount', [dir]);
    await rm(dir, { recursive: true, force: true });
  }
}
