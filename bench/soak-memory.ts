// The soak's memory samples of the server, and heap snapshots of Sluice on request.
import { mkdirSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { treeRssMiB, treeRssPartsMiB } from './proc.js';
import type { RunningServer } from './servers.js';

export interface MemorySample {
  /** VmRSS of the server's process tree, from /proc; then its anonymous and file-backed parts. */
  rssMiB: number;
  anonMiB: number;
  fileMiB: number;
  /** Sluice's process.memoryUsage(), from its API: V8 heap used and reserved, and memory held outside it. */
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
}

interface FiguresMemory {
  heapUsedBytes?: number;
  heapTotalBytes?: number;
  externalBytes?: number;
}

const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 2 ** 20);

/** Sluice's own figures; empty when the API is off or did not answer in time. */
async function sluiceMemory(apiPort: number | undefined): Promise<FiguresMemory> {
  if (apiPort === undefined) return {};
  try {
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/sluice/v1/figures`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { memory?: FiguresMemory };
    return res.ok ? (body.memory ?? {}) : {};
  } catch {
    return {};
  }
}

export async function readMemory(server: RunningServer): Promise<MemorySample> {
  const figures = await sluiceMemory(server.apiPort);
  const parts = treeRssPartsMiB(server.pid);
  return {
    rssMiB: treeRssMiB(server.pid),
    anonMiB: parts.anon,
    fileMiB: parts.file,
    heapUsedMiB: mib(figures.heapUsedBytes),
    heapTotalMiB: mib(figures.heapTotalBytes),
    externalMiB: mib(figures.externalBytes),
  };
}

/** The signal Node writes a heap snapshot on, given `--heapsnapshot-signal`. */
const SNAPSHOT_SIGNAL = 'SIGUSR2';
const SNAPSHOT_TIMEOUT_MS = 120_000;

/** NODE_OPTIONS that make a Node server write a heap snapshot into `dir` on SNAPSHOT_SIGNAL. */
export function heapSnapshotOptions(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return `--heapsnapshot-signal=${SNAPSHOT_SIGNAL} --diagnostic-dir=${dir}`;
}

function snapshots(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.heapsnapshot'))
    .map((name) => join(dir, name));
}

/** Whether the process has the file open (it is still writing it). */
function holds(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false; // closed meanwhile
      }
    });
  } catch {
    return false; // the process is gone
  }
}

/**
 * Makes the server write a heap snapshot into `dir` and waits until it has closed the file (the
 * server writes it while it serves nobody, so players stall meanwhile). Returns its path.
 */
export async function takeHeapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(snapshots(dir));
  process.kill(pid, SNAPSHOT_SIGNAL);
  const deadline = Date.now() + SNAPSHOT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(500);
    const path = snapshots(dir).find((p) => !before.has(p));
    if (path && statSync(path).size > 0 && !holds(pid, path)) return path;
  }
  throw new Error(`no complete heap snapshot in ${dir} after ${SNAPSHOT_TIMEOUT_MS / 1000} s`);
}
