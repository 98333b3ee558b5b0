// Command-line flags of `npm run bench`.
import { parseArgs } from 'node:util';

export type ServerName = 'sluice' | 'nginx' | 'nms';
const SERVER_NAMES: readonly ServerName[] = ['sluice', 'nginx', 'nms'];

export interface BenchOptions {
  players: number;
  seconds: number;
  warmup: number;
  batch: number;
  quietWait: number;
  mw: number[];
  servers: ServerName[];
}

const USAGE = `Usage: npm run bench -- [options]
  --players N     RTMP players per server (default 1000)
  --seconds S     measurement window in seconds (default 30)
  --warmup S      seconds between the last player joining and the window (default 5)
  --batch N       players connecting at once (default 50)
  --quiet-wait S  before each server, wait up to S seconds for the machine to be idle (default 60)
  --mw LIST       Sluice mw_latency values in ms (default 0,20,100,350)
  --servers LIST  any of sluice,nginx,nms (default all three)`;

function intArg(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`--${name}: expected an integer 0..${max}, got "${text}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      players: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '5' },
      batch: { type: 'string', default: '50' },
      'quiet-wait': { type: 'string', default: '60' },
      mw: { type: 'string', default: '0,20,100,350' },
      servers: { type: 'string', default: SERVER_NAMES.join(',') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const servers = values.servers.split(',').map((s) => s.trim());
  for (const s of servers) {
    if (!SERVER_NAMES.includes(s as ServerName)) throw new Error(`--servers: unknown server "${s}"\n${USAGE}`);
  }
  const options: BenchOptions = {
    players: intArg('players', values.players, 5000),
    seconds: intArg('seconds', values.seconds, 600),
    warmup: intArg('warmup', values.warmup, 120),
    batch: intArg('batch', values.batch, 1000),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 600),
    mw: values.mw.split(',').map((v) => intArg('mw', v.trim(), 10000)),
    servers: servers as ServerName[],
  };
  if (options.players < 1 || options.seconds < 1 || options.batch < 1) throw new Error(`--players, --seconds and --batch must be at least 1`);
  return options;
}
