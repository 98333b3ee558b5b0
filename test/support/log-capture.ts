import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../src/util/logger.js';

/** A logger whose lines are kept, parsed, in `lines`: for tests that check what was logged. */
export function capturingLogger(level: LogLevel = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}
