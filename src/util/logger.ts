import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

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
    return pino(options, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination }));
  }
  return pino(options, destination);
}

/** A logger that discards everything: for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
