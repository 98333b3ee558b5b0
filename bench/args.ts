// Command-line flags of `npm run bench`.
import { resolve } from 'node:path';
import { parseFlags } from './script.js';

export type ServerName = 'sluice' | 'nginx' | 'nms' | 'srs';
const SERVER_NAMES: readonly ServerName[] = ['sluice', 'nginx', 'nms', 'srs'];

export interface BenchOptions {
  players: number;
  seconds: number;
  warmup: number;
  batch: number;
  quietWait: number;
  mw: number[];
  servers: ServerName[];
  /** Another Sluice checkout (built) measured beside this one at each mw, as "baseline mw=N". */
  baseline: string | undefined;
  /** How many times the whole list of cases runs, one round after the other. */
  rounds: number;
  /** Also run each Sluice case with its HTTP API polled once a second, as "sluice mw=N api". */
  apiPoll: boolean;
  /** Sluice's `workers` values: each Sluice case runs once per value. */
  workers: number[];
  /** An SRS 7 binary, run with its default merged-write window (350 ms). */
  srs: string | undefined;
}

const USAGE = `Usage: npm run bench -- [options]
  --players N     RTMP players per server (default 1000)
  --seconds S     measurement window in seconds (default 30)
  --warmup S      seconds between the last player joining and the window (default 5)
  --batch N       players connecting at once (default 50)
  --quiet-wait S  before each server, wait up to S seconds for the machine to be idle (default 60)
  --mw LIST       Sluice mw_latency values in ms (default 0,20,100,350)
  --servers LIST  any of sluice,nginx,nms,srs (default all of them; srs only with --srs)
  --srs PATH      an SRS 7 binary (objs/srs), run with a generated config at SRS's default
                  merged-write window (mw_latency 350)
  --baseline DIR  also run the Sluice built in DIR (its dist/cli.js) after each Sluice case
  --rounds N      run the whole list of cases N times, alternating (default 1)
  --api-poll      also run each Sluice case with GET /api/v1/clients/?count=N polled every second
  --workers LIST  Sluice's \`workers N\` values (default 1): each Sluice case runs with each; with
                  more than one, the CPU of the primary and of each worker is reported too`;

/** A whole-number flag within `min..max`; a bad one stops the bench with the usage text. */
export function intArg(name: string, text: string, min: number, max: number, usage: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: expected an integer ${min}..${max}, got "${text}"\n${usage}`);
  return n;
}

/** The comma-separated `--servers` flag, each name one of `known`. */
export function serverList<T extends string>(text: string, known: readonly T[], usage: string): T[] {
  const names = text.split(',').map((s) => s.trim());
  for (const name of names) {
    if (!known.includes(name as T)) throw new Error(`--servers: unknown server "${name}"\n${usage}`);
  }
  return names as T[];
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const values = parseFlags(argv, {
    players: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '50' },
    'quiet-wait': { type: 'string', default: '60' },
    mw: { type: 'string', default: '0,20,100,350' },
    servers: { type: 'string' },
    srs: { type: 'string' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    'api-poll': { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
  }, USAGE);
  const servers = values.servers ? serverList(values.servers, SERVER_NAMES, USAGE) : SERVER_NAMES.filter((n) => n !== 'srs' || values.srs);
  if (servers.includes('srs') && !values.srs) throw new Error(`--servers srs needs --srs PATH to an SRS 7 binary\n${USAGE}`);
  const options: BenchOptions = {
    players: intArg('players', values.players, 0, 5000, USAGE),
    seconds: intArg('seconds', values.seconds, 0, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 120, USAGE),
    batch: intArg('batch', values.batch, 0, 1000, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    mw: values.mw.split(',').map((v) => intArg('mw', v.trim(), 0, 10000, USAGE)),
    servers,
    baseline: values.baseline,
    rounds: intArg('rounds', values.rounds, 1, 20, USAGE),
    apiPoll: values['api-poll'],
    workers: values.workers.split(',').map((v) => intArg('workers', v.trim(), 1, 64, USAGE)),
    srs: values.srs ? resolve(values.srs) : undefined,
  };
  if (options.players < 1 || options.seconds < 1 || options.batch < 1) throw new Error(`--players, --seconds and --batch must be at least 1`);
  return options;
}
