// `npm run bench:ingest`: N streams published at once by ffmpeg over RTMP, SRT and RTSP, no
// players; the server's CPU per ingested Mbps, Sluice against SRS 7 (RTMP and SRT).
// See docs/BENCHMARKS.md, "Ingest: CPU per Mbps".
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { intArg, serverList } from './args.js';
import { benchWorkDir, logTail } from './children.js';
import { FfmpegPublishers } from './ffmpeg-publishers.js';
import { ensureFixture, ffmpegVersion, fixtureMediaMbps } from './fixture.js';
import { INGEST_CASES, formatReport, saveResults, type IngestCase, type IngestRun } from './ingest-report.js';
import { checkPrerequisites, startIngestServer, type IngestServerName, type IngestSettings } from './ingest-servers.js';
import { SERVER_LOG, versionOf } from './launch.js';
import { inRounds, measureCase } from './measure-case.js';
import { ServerWindow } from './proc.js';
import { parseFlags, printResults, runBench } from './script.js';
import { readStreamStats, receivedMbps } from './stream-stats.js';

interface Options extends IngestSettings {
  streams: number;
  seconds: number;
  warmup: number;
  runs: number;
  quietWait: number;
  cases: IngestCase[];
  srs: string | undefined;
  /** Another Sluice checkout with its dist built (the code before a change), for the baseline cases. */
  baseline: string | undefined;
}

const USAGE = `Usage: npm run bench:ingest -- [options]
  --streams N     streams published at once, one ffmpeg each (default 10)
  --seconds S     measurement window in seconds (default 30)
  --warmup S      seconds between the publishers' start and the window (default 8)
  --runs N        rounds over all cases (default 3)
  --quiet-wait S  before each case, wait up to S seconds for the machine to be idle (default 60)
  --cases LIST    any of ${INGEST_CASES.join(',')} (default: all; the srs ones with --srs)
  --srs PATH      an SRS 7 binary (objs/srs) built with --srt=on
  --baseline DIR  another Sluice checkout, built (DIR/dist/cli.js): its cases run in the same rounds
  --rtsp-transport tcp|udp  how ffmpeg sends RTP to Sluice's RTSP server (default tcp)
  --workers N     Sluice's \`workers\` (default 1: one process, as SRS)
  --mr MS         merged read of RTMP publishers on Sluice and SRS: publish { mr on; mr_latency MS; }
                  (default 0: off, both servers' default)`;

function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv, {
    streams: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    'quiet-wait': { type: 'string', default: '60' },
    cases: { type: 'string' },
    srs: { type: 'string' },
    baseline: { type: 'string' },
    'rtsp-transport': { type: 'string', default: 'tcp' },
    workers: { type: 'string', default: '1' },
    mr: { type: 'string', default: '0' },
  }, USAGE);
  const transport = values['rtsp-transport'];
  if (transport !== 'tcp' && transport !== 'udp') throw new Error(`--rtsp-transport: tcp or udp, got "${transport}"\n${USAGE}`);
  return {
    streams: intArg('streams', values.streams, 1, 200, USAGE),
    seconds: intArg('seconds', values.seconds, 5, 600, USAGE),
    warmup: intArg('warmup', values.warmup, 2, 120, USAGE),
    runs: intArg('runs', values.runs, 1, 20, USAGE),
    quietWait: intArg('quiet-wait', values['quiet-wait'], 0, 600, USAGE),
    cases: values.cases
      ? serverList(values.cases, INGEST_CASES, USAGE)
      : INGEST_CASES.filter((c) => (values.srs || !c.startsWith('srs')) && (values.baseline || !c.startsWith('baseline'))),
    srs: values.srs ? resolve(values.srs) : undefined,
    baseline: values.baseline ? resolve(values.baseline) : undefined,
    rtspTransport: transport,
    workers: intArg('workers', values.workers, 1, 64, USAGE),
    mergedReadMs: intArg('mr', values.mr, 0, 5000, USAGE),
  };
}

/** Starts the case's server and N publishers, measures the server over the window, stops both. */
async function measure(c: IngestCase, options: Options, flvPath: string, streamMbps: number, dir: string): Promise<Omit<IngestRun, 'case' | 'run' | 'machineCpuBefore'>> {
  const [serverName, protocol] = c.split('-') as ['sluice' | 'baseline' | 'srs', 'rtmp' | 'srt' | 'rtsp'];
  const server = await startIngestServer(serverName, dir, { srs: options.srs, baseline: options.baseline }, options);
  const streams = Array.from({ length: options.streams }, (_, i) => `s${i}`);
  const publishers = new FfmpegPublishers(protocol, server.ports, streams, flvPath, options.rtspTransport, dir);
  try {
    await sleep(options.warmup * 1000);
    const gone = publishers.exited();
    if (gone.length) throw new Error(`${gone.length} publishers ended during the warm-up; ${gone[0]}: ${logTail(publishers.logFile(gone[0]!), 3)}`);
    const before = await readStreamStats(server.ports.api);
    const meter = new ServerWindow(server.pid);
    meter.start();
    publishers.startMonitor();
    await sleep(options.seconds * 1000);
    const publishersCpuPercent = publishers.stopMonitor();
    const { server: usage, machineCpuPercent, seconds } = meter.stop();
    const after = await readStreamStats(server.ports.api);

    const exit = server.exitStatus();
    if (exit !== undefined) throw new Error(`the server exited during the run (${exit})`);
    const lost = publishers.exited();
    if (lost.length) throw new Error(`${lost.length} publishers ended during the window; ${lost[0]}: ${logTail(publishers.logFile(lost[0]!), 3)}`);
    const live = streams.filter((s) => after.get(s)?.active && after.get(s)?.hasVideo && after.get(s)?.hasAudio);
    const rates = receivedMbps(before, after, seconds);
    return {
      streamsLive: live.length,
      mediaMbps: streamMbps * streams.length,
      receivedMbps: streams.reduce((sum, s) => sum + (rates.get(s) ?? 0), 0),
      cpuPercent: usage.cpuPercent,
      cpuSystemPercent: usage.cpuSystemPercent,
      rssAvgMiB: usage.rssAvgMiB,
      publishersCpuPercent,
      machineCpuPercent,
      config: server.config,
    };
  } finally {
    await publishers.stop();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  checkPrerequisites([...new Set(options.cases.map((c) => c.split('-')[0] as IngestServerName))], options);
  const flvPath = ensureFixture('3mbps');
  const streamMbps = await fixtureMediaMbps(flvPath);
  const { dir: workDir, cleanup } = benchWorkDir('sluice-bench-ingest-');
  const peers = [ffmpegVersion(), ...(options.srs ? [`srs: ${versionOf(options.srs, ['-v'])} (${options.srs})`] : []), ...(options.baseline ? [`baseline: ${options.baseline}`] : [])];
  const runs: IngestRun[] = [];
  const printed = new Set<string>(); // servers whose config was shown
  try {
    console.log(`ingest: ${options.streams} streams of ${streamMbps.toFixed(2)} Mbit/s media (${flvPath}), ${options.seconds} s window, ${options.warmup} s warm-up, ${options.runs} runs; RTSP over ${options.rtspTransport}; RTMP merged read ${options.mergedReadMs ? `${options.mergedReadMs} ms` : 'off'}`);
    for (const line of peers) console.log(line);
    const results = await inRounds(workDir, options.runs, options.cases, (c, run, dir) => {
      const serverLog = join(dir, c.startsWith('srs') ? 'srs.log' : SERVER_LOG); // SRS logs to its own file
      return measureCase<IngestRun>(
        { label: `${c} #${run}`, quietWait: options.quietWait, serverLog },
        async ({ machineCpuBefore }) => {
          const measured = await measure(c, options, flvPath, streamMbps, dir);
          const serverName = c.split('-')[0]!;
          if (measured.config && !printed.has(serverName)) console.log(measured.config.replace(/^/gm, '    '));
          printed.add(serverName);
          return { case: c, run, machineCpuBefore, ...measured };
        },
        ({ machineCpuBefore }, error) => ({ case: c, run, machineCpuBefore, error }),
      );
    });
    runs.push(...results);
  } finally {
    await cleanup();
  }
  printResults(formatReport(runs), () => saveResults(runs, options, peers), runs.some((r) => r.error));
}

runBench(main);
