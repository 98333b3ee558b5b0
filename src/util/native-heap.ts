import type { Logger } from './logger.js';
import { loadNative } from './native-addon.js';

export interface HeapTrimAddon {
  /** glibc's malloc_trim(0): true when pages were given back. */
  trim(): boolean;
  /** The C heap's bytes in use and bytes free but held, or undefined without glibc. */
  usage(): [used: number, free: number] | undefined;
}

/** How often the C heap's free pages go back to the system. */
const TRIM_INTERVAL_MS = 10_000;

/**
 * Gives the C heap's free pages back to the system every 10 s, for as long as the
 * process runs. Node allocates socket reads and Buffers there; once they are freed, glibc keeps
 * their pages unless they sit at the heap's very top, so a burst (a thousand players joining,
 * each sent a GOP) leaves the process holding tens of megabytes it no longer uses
 * (docs/BENCHMARKS.md, "Long run", run 4). A trim takes a few milliseconds when it gives
 * back tens of megabytes and well under one otherwise; what it gives back is only faulted in again
 * if the heap grows back into it.
 */
export function keepNativeHeapTrimmed(logger: Logger): void {
  let addon: HeapTrimAddon;
  try {
    addon = loadNative<HeapTrimAddon>('heap-trim');
  } catch (error) {
    logger.warn({ err: error }, 'the C heap is not trimmed: memory freed after a burst stays with the process');
    return;
  }
  setInterval(() => {
    // Measured only for the debug line: usage() walks every arena's free lists.
    if (!logger.isLevelEnabled('debug')) return void addon.trim();
    const before = addon.usage();
    const started = performance.now();
    if (!addon.trim() || !before) return;
    logger.debug({ freeBytes: before[1], usedBytes: before[0], tookMs: performance.now() - started }, 'C heap trimmed');
  }, TRIM_INTERVAL_MS).unref();
}
