import type { Socket } from 'node:net';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { PeerUnavailable, type ApiPeers, type LocalViews } from '../../api/api-routes.js';
import type { StreamHub } from '../../hub/stream-hub.js';
import type { MetricsText } from '../../metrics/metrics-route.js';
import type { SluiceMetrics } from '../../metrics/metrics.js';
import type { ConnectionCounter } from '../../servers/context.js';
import type { SessionRegistry } from '../../servers/sessions.js';
import type { RtcSiblings } from '../../servers/webrtc/rtc-server.js';
import type { RtcUpstream } from '../../servers/webrtc/rtc-sources.js';
import type { Logger } from '../../util/logger.js';
import type { ReloadOutcome } from '../reload.js';
import { IpcChannel, IpcError } from './ipc.js';
import type { ReloadReport, WorkerEnv } from './worker-env.js';
import { WorkerRelay, type LocalRtc } from './worker-relay.js';

/** A worker's place in the cluster: its number and settings, and its channel to the primary. */
export interface WorkerLink {
  readonly env: WorkerEnv;
  readonly channel: IpcChannel;
}

export function workerLink(env: WorkerEnv): WorkerLink {
  return { env, channel: new IpcChannel(process as unknown as ConstructorParameters<typeof IpcChannel>[0]) };
}

/**
 * The WebRTC server's way to the other workers: the shared port, forwarding ports told through
 * the primary, and ICE-TCP connections handed over through it (`adopt` takes those handed here).
 */
export function rtcSiblings(link: WorkerLink, sharedPort: number, adopt: (socket: Socket, head: Buffer) => void): RtcSiblings {
  link.channel.handle('rtc.tcp', (head: Uint8Array, socket?: Socket) => socket && adopt(socket, Buffer.from(head.buffer, head.byteOffset, head.byteLength)));
  return {
    index: link.env.index,
    port: sharedPort,
    announce: (port, update) => {
      link.channel.handle('rtc.forwards', update);
      link.channel.note('rtc.forward', port);
    },
    handOver: (worker, socket, head) => link.channel.pass('rtc.tcp', { worker, head }, socket),
  };
}

/** The API's way to the other workers: through the primary, which asks each one. */
export function clusterPeers(link: WorkerLink): ApiPeers {
  const ops = new Map<string, (arg: unknown) => unknown>();
  link.channel.handle('api.op', ({ op, arg }: { op: string; arg: unknown }) => {
    const handler = ops.get(op);
    if (!handler) throw new IpcError(`no api operation ${op}`);
    return handler(arg);
  });
  return {
    worker: link.env.index,
    gather: (view) => link.channel.request('api.gather', view),
    kick: (id) => link.channel.request('api.kick', id),
    ask: (op, arg, only) =>
      link.channel.request<any[]>('api.ask', { op, arg, only }).catch((error: Error) => {
        throw new PeerUnavailable(only === undefined ? error.message : `worker ${only}: ${error.message}`, { cause: error });
      }),
    serve: (op, handler) => void ops.set(op, handler),
  };
}

/** `/metrics` for the whole server: every worker's registry, summed by prom-client's aggregator. */
export function clusterMetrics(link: WorkerLink, metrics: SluiceMetrics): MetricsText {
  return {
    async render() {
      const local = await metrics.registry.getMetricsAsJSON();
      const others = await link.channel.request<Array<MetricObjectWithValues<MetricValue<string>>[]>>('api.gather', 'metrics');
      const registry = AggregatorRegistry.aggregate([local, ...others] as never);
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}

/** A reload asked through this worker's raw API reaches the primary, which reloads every worker. */
export async function reloadEverywhere(link: WorkerLink): Promise<ReloadOutcome> {
  const report = await link.channel.request<ReloadReport>('reload');
  return { id: report.id, restartOnly: report.restartOnly, ...(report.error ? { error: new Error(report.error) } : {}) };
}

export interface ClusterParts {
  hub: StreamHub;
  connections: ConnectionCounter;
  pending: ConnectionCounter;
  sessions: SessionRegistry;
  metrics: SluiceMetrics;
  views: LocalViews;
  /** Reloads this worker's configuration (the primary asks every worker). */
  reload(): Promise<unknown>;
  logger: Logger;
  /** The WebRTC server, when on: it serves the other workers' WebRTC players Opus and keyframes, and they serve its. */
  rtc?: LocalRtc & { useUpstream(upstream: RtcUpstream): void };
}

/**
 * Joins the cluster once the worker's servers are up: answers the siblings' API questions and
 * the primary's reloads, relays streams across workers, and tells the primary it is ready.
 * Returns what leaves the cluster again.
 */
export async function joinCluster(link: WorkerLink, parts: ClusterParts): Promise<() => Promise<void>> {
  const { channel, env } = link;
  channel.handle('api.view', (view: keyof LocalViews | 'metrics') =>
    view === 'metrics' ? parts.metrics.registry.getMetricsAsJSON() : parts.views[view]());
  channel.handle('api.kick', (id: string) => {
    if (!parts.sessions.client(id)) return false;
    parts.sessions.kick(id);
    return true;
  });
  channel.handle('reload', () => parts.reload());
  // max_connections and max_pending_connections count the whole server: the primary adds up every worker's counts.
  for (const [tally, counter] of [['conn', parts.connections], ['pending', parts.pending]] as const) {
    channel.handle(`${tally}.elsewhere`, (count: number) => void (counter.elsewhere = count));
    counter.onChange = (count) => channel.note(`${tally}.count`, count);
    channel.note(`${tally}.count`, counter.count);
  }
  const relay = new WorkerRelay(env.index, env.linkDir, parts.hub, channel, parts.logger, parts.rtc);
  parts.rtc?.useUpstream(relay.upstream);
  await relay.start();
  await channel.request('ready');
  return async () => {
    await relay.stop();
    // Whatever the gate was told so far reaches the primary before this worker exits.
    await channel.request('bye').catch(() => undefined);
  };
}
