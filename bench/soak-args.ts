// Command-line flags of `npm run bench:soak`.
import { intArg, serverList, type ServerName } from './args.js';
import { parseFlags } from './script.js';

export interface SoakOptions {
  server: ServerName;
  /** Sluice's mw_latency; undefined keeps Sluice's default. */
  mw: number | undefined;
  players: number;
  minutes: number;
  /** Seconds between two samples. */
  sample: number;
  warmup: number;
  batch: number;
  quietWait: number;
  /** Heap snapshots of a Node server after the first minute and at the end. */
  heapSnapshots: boolean;
}

const USAGE = `Usage: npm run bench:soak -- [options]
  --minutes N     how long the players play (default 30)
  --players N     RTMP players (default 1000)
  --sample S      seconds between memory and player samples (default 10)
  --servers NAME  the one server to run: sluice, nginx or nms (default sluice)
  --mw N          Sluice's mw_latency in ms (default: Sluice's own default)
  --warmup S      seconds between the last player joining and the run (default 5)
  --batch N       players connecting at once (default 50)
  --quiet-wait S  first wait up to S seconds for the machine to be idle (default 60)
  --heap-snapshots  heap snapshots of Sluice (or node-media-server) after the first minute and at
                  the end, in bench/results/soak-<time>-heap/ (writing one pauses the server)`;

export function parseSoakArgs(argv: string[]): SoakOptions {
  const values = parseFlags(argv, {
    minutes: { type: 'string', default: '30' },
    players: { type: 'string', default: '1000' },
    sample: { type: 'string', default: '10' },
    servers: { type: 'string', default: 'sluice' },
    mw: { type: 'string' },
    warmup: { type: 'string', default: '5' },
    batch: { type: 'string', default: '50' },
    'quiet-wait': { type: 'string', default: '60' },
    'heap-snapshots': { type: 'boolean', default: false },
  }, USAGE);
  const servers = serverList(values.servers, ['sluice', 'nginx', 'nms'] as const, USAGE);
  if (servers.length !== 1) throw new Error(`--servers: the soak runs one server at a time\n${USAGE}`);
  const options: SoakOptions = {
    server: servers[0]!,
    mw: values.mw === undefined ? undefined : intArg('mw', values.mw, 0, 10000, USAGE),
    players: intArg('players', values.players, 1, 5000, USAGE),
    minutes: intArg('minutes', values.minutes, 1, 600, USAGE),
    sample: intArg('sample', values.sample, 1, 60, USAGE),
    warmup: intArg('warmup', values.warmup, 0, 120, USAGE),
    batch: intArg('batch', values.batch, 1, 1000, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    heapSnapshots: values['heap-snapshots'],
  };
  if (options.mw !== undefined && options.server !== 'sluice') throw new Error(`--mw applies to Sluice only\n${USAGE}`);
  if (options.heapSnapshots && options.server === 'nginx') throw new Error(`--heap-snapshots: nginx-rtmp does not run on Node\n${USAGE}`);
  return options;
}
