// One case of a bench, run the same way by every bench that compares servers.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { logTail } from './children.js';
import { waitForQuiet } from './proc.js';

export interface CaseStart {
  /** The machine's CPU use (% of one core) in the 2 s before the case started: others' work. */
  machineCpuBefore: number;
}

/**
 * Waits (up to `quietWait` seconds) for a quiet machine, says the case starts, and measures it;
 * a failure is printed with the end of the server's log and becomes the result's error (its
 * first line), so one failed case never stops the others.
 */
export async function measureCase<R>(
  c: { label: string; quietWait: number; serverLog: string },
  measure: (start: CaseStart) => Promise<R>,
  failed: (start: CaseStart, error: string) => R,
): Promise<R> {
  const start = { machineCpuBefore: await waitForQuiet(c.quietWait) };
  console.log(`${c.label}: starting (machine CPU before: ${start.machineCpuBefore.toFixed(0)} % of one core)`);
  try {
    return await measure(start);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.log(`  FAILED: ${message}\n  server log ends:\n${logTail(c.serverLog, 8)}`);
    return failed(start, message.split('\n')[0] ?? message);
  }
}

/** Every case once per run, one run after the other, each in its own directory `<workDir>/<case>-<run>`. */
export async function inRounds<C extends string, R>(workDir: string, runs: number, cases: readonly C[], each: (c: C, run: number, dir: string) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const c of cases) {
      const dir = join(workDir, `${c}-${run}`);
      mkdirSync(dir);
      results.push(await each(c, run, dir));
    }
  }
  return results;
}
