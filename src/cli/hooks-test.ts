import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../config/schema.js';
import { createGate, type ClientSession, type Delivery, type ManagedGate } from '../gate/index.js';
import { AccessDenied } from '../util/errors.js';
import { silentLogger } from '../util/logger.js';
import type { Output } from './hooks-output.js';

/**
 * `sluice hooks test URL`: sends one realistic callback, built and judged by the real gate, and
 * says whether Sluice would allow. Nothing is kept: the gate runs on a temporary data directory.
 */

type Dialect = 'srs' | 'notify' | 'oryx';
type Trigger = (gate: ManagedGate, session: ClientSession) => Promise<unknown> | void;

const finished = (session: ClientSession) => ({
  session,
  uuid: 'sample-record',
  cwd: '/var/lib/sluice',
  file: '/var/lib/sluice/dvr/live/livestream.1700000000000.flv',
  url: '',
});

const segment = (session: ClientSession) => ({
  session,
  duration: 2,
  cwd: '/var/lib/sluice',
  file: '/var/lib/sluice/html/live/livestream-0.ts',
  url: 'live/livestream-0.ts',
  m3u8: '/var/lib/sluice/html/live/livestream.m3u8',
  m3u8Url: 'live/livestream.m3u8',
  seqNo: 0,
  notifyAnswerBytes: 64,
});

const TRIGGERS: Record<Dialect, Record<string, Trigger>> = {
  srs: {
    // SRS sends on_connect at the publish command.
    on_connect: (g, s) => g.publish(s),
    on_publish: (g, s) => g.publish(s),
    on_play: (g, s) => g.play(s),
    on_unpublish: (g, s) => g.unpublished(s),
    on_stop: (g, s) => g.stopped(s),
    on_close: (g, s) => g.closed(s),
    on_dvr: (g, s) => g.recordingFinished(finished(s)),
    on_hls: (g, s) => g.hlsSegment(segment(s)),
    on_hls_notify: (g, s) => g.hlsSegment(segment(s)),
  },
  notify: {
    on_connect: (g, s) => g.connect(s),
    on_publish: (g, s) => g.publish(s),
    on_play: (g, s) => g.play(s),
    on_done: (g, s) => g.unpublished(s),
    on_publish_done: (g, s) => g.unpublished(s),
    on_play_done: (g, s) => g.stopped(s),
    on_record_done: (g, s) => g.recordingFinished(finished(s)),
    // on_update is asked right after the publish (the period is set to 1 ms).
    on_update: (g, s) => g.publish(s),
  },
  oryx: {
    on_publish: (g, s) => g.publish(s),
    on_unpublish: (g, s) => g.unpublished(s),
    on_record_begin: (g, s) => g.recordingStarted({ session: s, uuid: 'sample-record' }),
    on_record_end: (g, s) => g.recordingFinished(finished(s)),
  },
};

export const TEST_HELP = `Usage: sluice hooks test URL [--event on_publish] [--dialect srs|notify|oryx]
                         [--param '?token=abc'] [--secret S] [--timeout 10s]

Sends one realistic callback to URL and prints the status, the answer, the latency and whether
Sluice would allow. Events: srs: ${Object.keys(TRIGGERS.srs).join(', ')}
  notify: ${Object.keys(TRIGGERS.notify).join(', ')}
  oryx: ${Object.keys(TRIGGERS.oryx).join(', ')}`;

export async function runTest(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string', default: 'on_publish' },
      dialect: { type: 'string', default: 'srs' },
      param: { type: 'string', default: '?token=abc&salt=1' },
      secret: { type: 'string', default: '' },
      timeout: { type: 'string', default: '10s' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [url] = positionals;
  const dialect = values.dialect as Dialect;
  const trigger = TRIGGERS[dialect]?.[values.event];
  if (values.help || url === undefined || trigger === undefined) {
    out(values.help || url === undefined ? TEST_HELP : `unknown event ${values.event} for dialect ${values.dialect}\n\n${TEST_HELP}`);
    return values.help ? 0 : 2;
  }

  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-hooks-test-'));
  const block = {
    enabled: true,
    [values.event]: [url],
    secret: values.secret,
    timeout: values.timeout,
    ...(dialect === 'oryx' ? { dialect: 'oryx', opaque: 'sample-opaque' } : {}),
    ...(values.event === 'on_update' ? { notify_update_timeout: '1ms' } : {}),
  };
  const config = configSchema.parse({
    data_dir: dataDir,
    vhosts: { __defaultVhost__: { [dialect === 'notify' ? 'http_notify' : 'http_hooks']: block } },
  });
  // No retries: one attempt is what is being tested.
  const gate = createGate({ config, logger: silentLogger(), outbox: { baseDelayMs: 3_600_000 } });
  try {
    const session = sampleSession(values.param);
    await Promise.resolve(trigger(gate, session)).catch((error: unknown) => {
      if (!(error instanceof AccessDenied)) throw error;
    });
    const vhost = config.vhosts.__defaultVhost__!;
    const timeoutMs = (dialect === 'notify' ? vhost.http_notify : vhost.http_hooks).timeout;
    const delivery = await firstDelivery(gate, values.event, timeoutMs + 2000);
    if (!delivery) {
      out(`no answer from ${url} in time`);
      return 1;
    }
    return report(delivery, out);
  } finally {
    await gate.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function firstDelivery(gate: ManagedGate, event: string, timeoutMs: number): Promise<Delivery | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [found] = gate.listDeliveries({ event, limit: 1 });
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function report(d: Delivery, out: Output): number {
  const reason = d.detail.startsWith(`${d.event} ${d.url} `) ? d.detail.slice(d.event.length + d.url.length + 2) : d.detail;
  const verdicts: Record<string, [string, number]> = {
    allowed: ['would allow', 0],
    'failed-open': [`would allow (fail_open): ${reason}`, 0],
    refused: [`would refuse: ${reason}`, 1],
    delivered: ['delivered (informational: any 2xx will do)', 0],
    retrying: [`would retry later: ${reason}`, 1],
    rejected: [`would give up (no retry): ${reason}`, 1],
    expired: [`would give up: ${reason}`, 1],
  };
  const [verdict, code] = verdicts[d.outcome] ?? [d.outcome, 1];
  out(`${d.method} ${d.url}  (${d.event}, ${d.dialect} dialect)`);
  out(`status   ${d.status ?? 'no answer'}`);
  out(`body     ${JSON.stringify(d.answer)}`);
  out(`latency  ${d.latencyMs.toFixed(1)} ms`);
  out(`verdict  ${verdict}`);
  return code;
}

/** An ffmpeg publishing `rtmp://127.0.0.1/live/livestream` + param. */
function sampleSession(param: string): ClientSession {
  const query = param === '' || param.startsWith('?') ? param : `?${param}`;
  return {
    id: 'sample01',
    protocol: 'rtmp',
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app: 'live',
    stream: 'livestream',
    param: query,
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    pageUrl: '',
    swfUrl: '',
    flashVer: 'FMLE/3.0 (compatible; Lavf61.7.100)',
    requestUrl: `rtmp://127.0.0.1:1935/live/livestream${query}`,
    startedAt: Date.now(),
    playOptions: { start: -2, duration: -1, reset: false },
    bytesSent: () => 4501,
    bytesReceived: () => 2576446,
    terminate: () => {},
  };
}
