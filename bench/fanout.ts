// `npm run bench`: one publisher, N RTMP players, the same load against Sluice and its peers.
// See docs/BENCHMARKS.md for what is measured and how.
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseBenchArgs, type BenchOptions } from './args.js';
import { benchWorkDir } from './children.js';
import { ensureFixture } from './fixture.js';
import { nginxRtmpVersion, srsVersion } from './launch.js';
import { formatReport, saveResults } from './report.js';
import { runCase, type CaseResult } from './run-case.js';
import { printResults, runBench } from './script.js';
import type { ServerCase } from './servers.js';

const PEER_LABELS = { nginx: 'nginx-rtmp', nms: 'node-media-server', srs: 'srs mw=350' } as const;

function cases(options: BenchOptions): ServerCase[] {
  const { baseline } = options;
  const list = options.servers.flatMap((kind): ServerCase[] => {
    if (kind === 'srs') return [{ kind, label: PEER_LABELS.srs, mwLatencyMs: 350, srsPath: options.srs }];
    if (kind !== 'sluice') return [{ kind, label: PEER_LABELS[kind] }];
    return options.mw.flatMap((mw): ServerCase[] => [
      ...options.workers.map((workers): ServerCase => ({ kind, label: workers > 1 ? `sluice mw=${mw} workers=${workers}` : `sluice mw=${mw}`, mwLatencyMs: mw, workers })),
      ...(options.apiPoll ? [{ kind, label: `sluice mw=${mw} api`, mwLatencyMs: mw, apiPoll: true }] : []),
      ...(baseline ? [{ kind, label: `baseline mw=${mw}`, mwLatencyMs: mw, cli: resolve(baseline, 'dist', 'cli.js') }] : []),
    ]);
  });
  return Array.from({ length: options.rounds }, (_, round) => list.map((c) => ({ ...c, round }))).flat();
}

/** The peers' versions, as they report them. */
function peerVersions(options: BenchOptions): string[] {
  const lines: string[] = [];
  if (options.servers.includes('nginx')) lines.push(`nginx-rtmp: ${nginxRtmpVersion()}`);
  if (options.servers.includes('nms')) lines.push(`node-media-server: ${createRequire(import.meta.url)('node-media-server/package.json').version}`);
  if (options.servers.includes('srs')) lines.push(`srs: ${srsVersion(options.srs!)}`);
  return lines;
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const flvPath = ensureFixture();
  const { dir: workDir, cleanup } = benchWorkDir('sluice-bench-');

  const results: CaseResult[] = [];
  try {
    console.log(`fan-out: ${options.players} players, ${options.seconds} s window, ${options.warmup} s warm-up`);
    for (const line of peerVersions(options)) console.log(line);
    for (const c of cases(options)) results.push(await runCase(c, options, flvPath, workDir));
  } finally {
    await cleanup();
  }
  printResults(formatReport(results), () => saveResults(results, options), results.some((r) => r.error));
}

runBench(main);
