#!/usr/bin/env -S node --max-semi-space-size=2
// The small young generation keeps memory flat under fan-out load at no measurable CPU cost; a
// larger one saved CPU in one ingest bench and not in another (docs/BENCHMARKS.md, HLS section).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import cluster from 'node:cluster';
import { startSluice } from './app/sluice.js';
import { startPrimary, WorkerStartError } from './app/workers/primary.js';
import { workerEnv } from './app/workers/worker-env.js';
import { workerLink } from './app/workers/worker.js';
import { loadConfig } from './config/load.js';
import { workerCount } from './config/schema.js';
import { ConfigError } from './util/errors.js';
import { createLogger } from './util/logger.js';
import { keepNativeHeapTrimmed } from './util/native-heap.js';
import { VERSION } from './version.js';

const HELP = `Usage: sluice [options]
       sluice hooks <serve|test|log> [options]   (see: sluice hooks --help)
       sluice sign URL --key KEY [--ttl SECONDS]  (a signed stream URL; see: sluice sign --help)

Live-streaming media server: RTMP in; RTMP, HTTP-FLV and WebSocket-FLV out.

Options:
  -c, --config FILE   configuration file: SRS syntax (.conf) or Sluice YAML (.yaml/.yml);
                      without it, the embedded defaults (RTMP 1935, HTTP 8080, API 1985)
  -t, --test          check the configuration and exit (0 when valid)
  -v, --version       print the version and exit
  -h, --help          print this help and exit

Environment variables override the file: SLUICE_<PATH> (e.g. SLUICE_LISTEN=1936) and SRS's own
SRS_<DIRECTIVE> names (e.g. SRS_HTTP_API_LISTEN=1986). See docs/CONFIG.md.
Stops gracefully on SIGINT or SIGTERM; SIGHUP reloads the configuration (see docs/CONFIG.md).`;

// Long enough for the callbacks of the closed sessions to be delivered (the gate bounds its own wait).
const SHUTDOWN_LIMIT_MS = 10_000;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'hooks') return (await import('./cli/hooks-command.js')).runHooksCommand(argv.slice(1));
  if (argv[0] === 'sign') return (await import('./cli/sign-command.js')).runSignCommand(argv.slice(1));
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      test: { type: 'boolean', short: 't' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return print(HELP);
  if (values.version) return print(`sluice ${VERSION}`);

  const loaded = await loadConfig({ file: values.config, env: process.env });
  // Workers read the same file: the primary has said what is wrong with it.
  if (!cluster.isWorker) for (const warning of loaded.warnings) console.error(`warning: ${warning}`);
  if (values.test) return print(`configuration ${loaded.source} is valid`);

  const { config } = loaded;
  const logger = createLogger(config.log_level);
  // Every server process: the primary, each worker, or the one process.
  keepNativeHeapTrimmed(logger);
  const reread = () => loadConfig({ file: values.config, env: process.env });
  const worker = cluster.isWorker ? workerEnv(process.env) : undefined;
  if (worker) return runWorker(worker, config, logger, reread);
  logger.info({ version: VERSION, config: loaded.source }, 'sluice starting');
  // Listened for before starting: a stop asked for while the workers start is honoured once they have.
  const stopAsked = new Promise<void>((resolve) => {
    const stop = (reason: string): void => {
      logger.info({ reason }, 'shutting down');
      // A second signal, or a shutdown that hangs, ends the process at once.
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
      setTimeout(() => process.exit(1), SHUTDOWN_LIMIT_MS).unref();
      resolve();
    };
    const stopOnce = once(stop);
    process.once('SIGINT', () => stopOnce('SIGINT'));
    process.once('SIGTERM', () => stopOnce('SIGTERM'));
    onParentExit(() => stopOnce('parent process exited'));
  });
  const count = workerCount(config);
  const server = count > 1 ? await startPrimary({ config, count, logger, reload: reread }) : await startSluice({ config, logger, reload: reread });
  // SIGHUP: read the same file and environment again; the reloader logs how it went.
  const onHangup = (): void => void server.reload();
  process.on('SIGHUP', onHangup);
  if (config.pid) await writePidFile(config.pid);

  await stopAsked;
  process.off('SIGHUP', onHangup);
  await server.close();
  if (config.pid) await rm(config.pid, { force: true });
  logger.info('stopped');
  return 0;
}

/**
 * A worker of `workers N`: serves until the primary stops it (SIGTERM) or is gone. SIGINT is the
 * primary's to handle (a terminal's Ctrl-C reaches every process of the group).
 */
async function runWorker(env: NonNullable<ReturnType<typeof workerEnv>>, config: Parameters<typeof startSluice>[0]['config'], logger: ReturnType<typeof createLogger>, reload: () => ReturnType<typeof loadConfig>): Promise<number> {
  const log = logger.child({ worker: env.index });
  const server = await startSluice({ config, logger: log, reload, worker: workerLink(env) });
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  // A second SIGTERM (the primary's, after a whole process group was signalled) must not cut the stop short.
  await new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.once('disconnect', () => resolve());
  });
  setTimeout(() => process.exit(1), SHUTDOWN_LIMIT_MS).unref();
  await server.close();
  return 0;
}

async function writePidFile(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${process.pid}\n`);
}

/**
 * `npx sluice` and `npm start` run the server under npm and a shell; a signal to npm kills the
 * shell but never reaches this process. Being re-parented means whoever started us is gone, so
 * shut down as if signalled rather than live on as an orphan holding the ports.
 */
function onParentExit(stop: () => void): void {
  const parent = process.ppid;
  const check = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(check);
    stop();
  }, 500);
  check.unref();
}

function once<T>(fn: (arg: T) => void): (arg: T) => void {
  let called = false;
  return (arg) => {
    if (called) return;
    called = true;
    fn(arg);
  };
}

function print(text: string): number {
  console.log(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`sluice: configuration error: ${error.message}`);
    else if (error instanceof WorkerStartError) console.error(`sluice: ${error.message}`);
    else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) console.error(`sluice: ${error.message}\n\n${HELP}`);
    else console.error('sluice: fatal:', error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
