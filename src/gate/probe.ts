import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/schema.js';
import { AccessDenied } from '../util/errors.js';
import { silentLogger } from '../util/logger.js';
import { createGate, type ClientSession, type Delivery, type ManagedGate } from './index.js';

/**
 * The connectivity check of a receiver (`sluice hooks test`, the API's test event): sends one
 * realistic callback, built and judged by a real gate, and tells what Sluice would do with the
 * answer. Nothing is kept: the gate runs on a temporary data directory.
 */

export type Dialect = 'srs' | 'notify' | 'oryx';
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

export const TRIGGERS: Record<Dialect, Record<string, Trigger>> = {
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

export interface ProbeOptions {
  url: string;
  event: string;
  dialect: Dialect;
  /** The stream URL's query, as a publisher would send it. */
  param: string;
  secret: string;
  /** A duration as the config reads it (`10s`, `500ms`). */
  timeout: string;
}

export const PROBE_DEFAULTS = { event: 'on_publish', dialect: 'srs', param: '?token=abc&salt=1', secret: '', timeout: '10s' } as const;

/** Whether `event` can be tested in `dialect`. */
export function probeable(dialect: string, event: string): dialect is Dialect {
  return TRIGGERS[dialect as Dialect]?.[event] !== undefined;
}

/** Sends the sample call; resolves with how the receiver answered, or undefined when it did not in time. */
export async function probeReceiver(options: ProbeOptions): Promise<Delivery | undefined> {
  const { url, event, dialect } = options;
  const trigger = TRIGGERS[dialect][event]!;
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-hooks-test-'));
  const block = {
    enabled: true,
    [event]: [url],
    secret: options.secret,
    timeout: options.timeout,
    ...(dialect === 'oryx' ? { dialect: 'oryx', opaque: 'sample-opaque' } : {}),
    ...(event === 'on_update' ? { notify_update_timeout: '1ms' } : {}),
  };
  const config = parseConfig({
    data_dir: dataDir,
    vhosts: { __defaultVhost__: { [dialect === 'notify' ? 'http_notify' : 'http_hooks']: block } },
  });
  // No retries: one attempt is what is being tested.
  const gate = createGate({ config, logger: silentLogger(), outbox: { baseDelayMs: 3_600_000 } });
  try {
    await Promise.resolve(trigger(gate, sampleSession(options.param))).catch((error: unknown) => {
      if (!(error instanceof AccessDenied)) throw error;
    });
    const vhost = config.vhosts.__defaultVhost__!;
    const timeoutMs = (dialect === 'notify' ? vhost.http_notify : vhost.http_hooks).timeout;
    return await firstDelivery(gate, event, timeoutMs + 2000);
  } finally {
    await gate.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What Sluice would do with the answer, and whether that is a success. */
export function probeVerdict(d: Delivery): { verdict: string; ok: boolean } {
  const reason = d.detail.startsWith(`${d.event} ${d.url} `) ? d.detail.slice(d.event.length + d.url.length + 2) : d.detail;
  const verdicts: Record<string, [string, boolean]> = {
    allowed: ['would allow', true],
    'failed-open': [`would allow (fail_open): ${reason}`, true],
    refused: [`would refuse: ${reason}`, false],
    delivered: ['delivered (informational: any 2xx will do)', true],
    retrying: [`would retry later: ${reason}`, false],
    rejected: [`would give up (no retry): ${reason}`, false],
    expired: [`would give up: ${reason}`, false],
  };
  const [verdict, ok] = verdicts[d.outcome] ?? [d.outcome, false];
  return { verdict, ok };
}

async function firstDelivery(gate: ManagedGate, event: string, timeoutMs: number): Promise<Delivery | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [found] = gate.listDeliveries({ event, limit: 1 });
    if (found || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
