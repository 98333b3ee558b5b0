import cluster, { type Worker } from 'node:cluster';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processRusage } from '../../api/system-stats.js';
import type { LoadedConfig } from '../../config/load.js';
import type { SluiceConfig } from '../../config/schema.js';
import { createGate } from '../../gate/index.js';
import { SluiceMetrics } from '../../metrics/metrics.js';
import { loadIdentity, StreamIds } from '../../gate/identity.js';
import { Backoff } from '../../util/backoff.js';
import { SluiceError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { workerOfId } from '../../util/ids.js';
import { ConfigHolder, Reloader } from '../reload.js';
import { ConnectionTotals } from './connection-totals.js';
import { Directory, type StreamName } from './directory.js';
import { GateHost } from './gate-host.js';
import { IpcChannel } from './ipc.js';
import { claimSharedUdpPort } from './shared-udp-port.js';
import { ReloadReport, WORKER_ENV, type WorkerEnv } from './worker-env.js';

// A worker that does not stop within this is killed.
const STOP_LIMIT_MS = 8000;

interface Slot {
  worker: Worker | undefined;
  channel: IpcChannel | undefined;
  startedAt: number;
  backoff: Backoff;
  /** Called when the worker has started every listener. */
  ready: () => void;
  /** Called when it died before it was ever ready: the server does not start. */
  failed: (error: Error) => void;
  everReady: boolean;
}

export interface RunningPrimary {
  reload(): Promise<void>;
  /** Stops every worker gracefully, then delivers the gate's last callbacks. */
  close(): Promise<void>;
}

/**
 * The primary of `workers N`: it serves no media. It forks the workers (which open the listeners,
 * shared through cluster), restarts one that dies, and holds what must be one for the server:
 * the gate with its outbox, the stream directory, and the way from one worker's API to the others.
 */
export async function startPrimary(options: { config: SluiceConfig; count: number; logger: Logger; reload: () => Promise<LoadedConfig> }): Promise<RunningPrimary> {
  const { config, count, logger } = options;
  const startedAt = Date.now();
  const identity = loadIdentity(config.data_dir);
  const streamIds = new StreamIds(10_000, identity.serviceId);
  // The callbacks' figures (latencies by outcome, the outbox) are the primary's part of /metrics.
  const metrics = new SluiceMetrics({ label: config.exporter.label, tag: config.exporter.tag });
  const gate = createGate({ config, logger, identity, streamIds, observer: metrics.observeDelivery });
  metrics.watchOutbox(gate);
  const holder = new ConfigHolder(config);
  const reloader = new Reloader(holder, options.reload, (next) => gate.reload(next), logger);
  const { srt_server: srt, rtc_server: rtc } = config;
  const srtPort = srt.enabled ? await claimSharedUdpPort('srt_server.listen', srt.listen.host, srt.listen.port) : undefined;
  const rtcPort = rtc.enabled ? await claimSharedUdpPort('rtc_server.listen', rtc.listen.host, rtc.listen.port) : undefined;
  const linkDir = mkdtempSync(join(tmpdir(), 'sluice-links-'));
  const slots = new Map<number, Slot>();
  const directory = new Directory((publisher, order, body) => slots.get(publisher)?.channel?.note(order, body));
  const host = new GateHost(gate, directory);
  // Every worker's connections, and those not yet admitted: each limit counts the whole server.
  const tallies = (['conn', 'pending'] as const).map((tally) => ({
    tally,
    totals: new ConnectionTotals(
      (worker, elsewhere) => slots.get(worker)?.channel?.note(`${tally}.elsewhere`, elsewhere),
      () => [...slots.entries()].flatMap(([index, slot]) => (slot.channel ? [index] : [])),
    ),
  }));
  let stopping = false;
  // Each worker's private port: HLS playlists and requests naming a WebRTC session are passed there.
  const privatePorts = new Map<number, number>();
  // Each worker's WebRTC forwarding port, told to every worker whenever one changes.
  const rtcForwardPorts: Record<number, number> = {};
  const tellRtcForwardPorts = (): void => {
    for (const slot of slots.values()) slot.channel?.note('rtc.forwards', rtcForwardPorts);
  };
  cluster.setupPrimary({ serialization: 'advanced' });

  const others = (index: number): IpcChannel[] =>
    [...slots.entries()].flatMap(([i, slot]) => (i !== index && slot.channel ? [slot.channel] : []));

  // A question for every other worker: one that cannot answer (starting, or dying) is left out.
  const askOthers = async (index: number, type: string, body: unknown): Promise<unknown[]> => {
    const answers = await Promise.all(others(index).map((peer) => peer.request(type, body).then((answer) => [answer], () => [])));
    return answers.flat();
  };

  // A question for one worker: its error is the asker's (a bad request), its absence too.
  const askOne = async (index: number, op: string, arg: unknown): Promise<unknown[]> => {
    const channel = slots.get(index)?.channel;
    if (!channel) throw new WorkerGoneError(`worker ${index} is restarting`);
    return [await channel.request('api.op', { op, arg })];
  };

  const reloadAll = async (): Promise<ReloadReport> => {
    const outcome = await reloader.reload();
    for (const slot of slots.values()) slot.channel?.note('reload');
    return { id: outcome.id, error: outcome.error?.message, restartOnly: outcome.restartOnly };
  };

  const fork = (index: number): void => {
    const slot = slots.get(index)!;
    const env: WorkerEnv = { index, count, startedAt, linkDir, serverId: identity.serverId, serviceId: identity.serviceId, ...(srtPort === undefined ? {} : { srtPort }), ...(rtcPort === undefined ? {} : { rtcPort }) };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(env) });
    const channel = new IpcChannel(worker);
    slot.worker = worker;
    slot.channel = channel;
    slot.startedAt = Date.now();
    host.serve(index, channel);
    for (const { tally, totals } of tallies) channel.handle(`${tally}.count`, (count: number) => totals.report(index, count));
    channel.handle('dir.watch', (body: StreamName & { watching: boolean }) => directory.watch(body, index, body.watching));
    channel.handle('dir.elsewhere', (stream: StreamName) => {
      const publisher = directory.publisherOf(stream);
      return publisher !== undefined && publisher !== index;
    });
    channel.handle('api.gather', async (view: string) => {
      const answers = await askOthers(index, 'api.view', view);
      // The server's resource usage and metrics include the primary's own.
      if (view === 'rusage') return [...answers, processRusage()];
      return view === 'metrics' ? [...answers, await metrics.registry.getMetricsAsJSON()] : answers;
    });
    channel.handle('api.ask', ({ op, arg, only }: { op: string; arg: unknown; only?: number }) =>
      only === undefined ? askOthers(index, 'api.op', { op, arg }) : askOne(only, op, arg));
    channel.handle('api.kick', async (id: string) => (await askOthers(index, 'api.kick', id)).some(Boolean));
    channel.handle('reload', reloadAll);
    channel.handle('bye', () => true);
    channel.handle('private.port', (port: number) => privatePorts.set(index, port));
    channel.handle('private.port.of', (worker: number) => privatePorts.get(worker));
    channel.handle('rtc.forward', (port: number) => {
      rtcForwardPorts[index] = port;
      tellRtcForwardPorts();
    });
    // An ICE-TCP connection whose check names a session of another worker, handed on to it.
    channel.handle('rtc.tcp', ({ worker: owner, head }: { worker: number; head: Uint8Array }, socket?: Socket) => {
      const target = slots.get(owner)?.channel;
      if (!socket) return;
      if (target) target.pass('rtc.tcp', head, socket);
      else socket.destroy();
    });
    channel.handle('hls.port', async (path: string) => {
      for (const [peer, slot] of slots) {
        if (peer === index || !slot.channel) continue;
        if (await slot.channel.request<boolean>('hls.has', path).catch(() => false)) return privatePorts.get(peer);
      }
      return undefined;
    });
    // A segment served to another worker's HLS viewer counts where the viewer's session is.
    channel.handle('hls.bytes', (served: { id: string; bytes: number }) => {
      const owner = workerOfId(served.id, count);
      if (owner !== undefined && owner !== index) slots.get(owner)?.channel?.note('hls.bytes', served);
    });
    channel.handle('ready', () => {
      logger.info({ worker: index, pid: worker.process.pid }, 'worker ready');
      slot.everReady = true;
      slot.ready();
      for (const { totals } of tallies) totals.joined();
    });
    worker.on('exit', (code, signal) => {
      channel.disconnected();
      slot.worker = slot.channel = undefined;
      directory.forget(index);
      for (const { totals } of tallies) totals.forget(index);
      privatePorts.delete(index);
      if (delete rtcForwardPorts[index]) tellRtcForwardPorts();
      host.workerGone(index);
      if (stopping) return;
      if (!slot.everReady) return slot.failed(new WorkerStartError(`worker ${index} exited before it started (code ${code}, signal ${signal})`));
      const delayMs = slot.backoff.next(Date.now() - slot.startedAt);
      logger.warn({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker died, restarting');
      setTimeout(() => !stopping && fork(index), delayMs);
    });
  };

  const started: Promise<void>[] = [];
  for (let index = 1; index <= count; index++) {
    const backoff = new Backoff({ initialMs: 200, maxMs: 10_000, healthyMs: 30_000 });
    started.push(new Promise((ready, failed) => slots.set(index, { worker: undefined, channel: undefined, startedAt: 0, backoff, ready, failed, everReady: false })));
    fork(index);
  }
  const close = async (): Promise<void> => {
    stopping = true;
    await Promise.all([...slots.values()].map(({ worker }) => stopWorker(worker)));
    await gate.close();
    rmSync(linkDir, { recursive: true, force: true });
  };
  // The server is up once every worker has started once; one that cannot (a port in use) stops it.
  try {
    await Promise.all(started);
  } catch (error) {
    await close();
    throw error;
  }
  logger.info({ workers: count, pid: process.pid }, 'workers started');

  return {
    reload: async () => void (await reloadAll()),
    close,
  };
}

/** A worker could not start; its own log line says why. */
export class WorkerStartError extends SluiceError {}

/** A question for a worker that is not running now. */
export class WorkerGoneError extends SluiceError {}

function stopWorker(worker: Worker | undefined): Promise<void> {
  if (!worker || worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_LIMIT_MS);
    worker.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    worker.process.kill('SIGTERM');
  });
}
