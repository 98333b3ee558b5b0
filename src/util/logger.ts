import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

/**
 * JSON lines when stdout is not a terminal (machine-readable for collectors),
 * a readable single line per event on a terminal.
 */
export function createLogger(level: LogLevel = 'info', destination: NodeJS.WritableStream = process.stdout): Logger {
  const isTerminal = (destination as { isTTY?: boolean }).isTTY === true;
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (isTerminal) {
    // Loaded only for terminals: a server under a supervisor never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination }));
  }
  return pino(options, destination);
}

/** A logger that discards everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
