import { resolve, sep } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { SluiceConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import { rtspRtpPort } from '../config/udp-ports.js';
import { apiRoutes, localViews } from '../api/api-routes.js';
import { consoleDir, consoleRoute } from '../api/console-route.js';
import { sluiceApi, type ApiAuthStats } from '../api/sluice/index.js';
import { createGate, type ReloadableGate } from '../gate/index.js';
import { ingestRoutes, pullRoutes, relayRoutes } from '../api/relay-routes.js';
import { ingestSources, pullSources, relaySources } from '../api/relay-cluster.js';
import { loadIdentity, StreamIds } from '../gate/identity.js';
import { StreamHub } from '../hub/stream-hub.js';
import type { StreamOptions } from '../hub/stream.js';
import { ConnectionCounter, maxPendingConnections, type ServerContext } from '../servers/context.js';
import { HttpServer, type HttpRoute, type UpgradeRoute } from '../servers/http/http-server.js';
import type { Endpoint, HttpsConfig } from '../config/schema.js';
import { metricsRoute, SluiceMetrics } from '../metrics/index.js';
import { staticFiles } from '../servers/http/static-files.js';
import { FlvPlayService } from '../servers/http-flv/flv-play.js';
import { HlsService } from '../hls/hls-service.js';
import { RtmpServer } from '../servers/rtmp/rtmp-server.js';
import { SessionRegistry } from '../servers/sessions.js';
import type { SrtServer } from '../servers/srt/srt-server.js';
import type { RtcServer } from '../servers/webrtc/rtc-server.js';
import { rtcReaches } from '../servers/webrtc/rtc-reach.js';
import { startRecorders } from '../recorder/index.js';
import { startRelays } from '../relay/index.js';
import { IngestService } from '../relay/ingest/ingest-service.js';
import { ClientIds, workerIdPrefix } from '../util/ids.js';
import { createLogger, type Logger } from '../util/logger.js';
import { VERSION } from '../version.js';
import { ConfigHolder, Reloader, type ReloadOutcome } from './reload.js';
import { GateProxy } from './workers/gate-proxy.js';
import { forwardRoute, servePrivately } from './workers/private-http.js';
import { clusterMetrics, clusterPeers, joinCluster, reloadEverywhere, rtcSiblings, type WorkerLink } from './workers/worker.js';

export interface RunningSluice {
  /** Bound ports (the configured ones, or the ones the OS chose for port 0). */
  readonly rtmpPort: number;
  readonly httpPort: number | undefined;
  readonly apiPort: number | undefined;
  readonly srtPort: number | undefined;
  /** SRT connections held: accepted, or waiting for the gate. */
  srtSessions(): number;
  /** HTTPS ports of the HTTP server and the API, when `https` is enabled. */
  readonly httpsPort: number | undefined;
  readonly apiHttpsPort: number | undefined;
  /** The dedicated metrics listener (`exporter`), when enabled. */
  readonly exporterPort: number | undefined;
  readonly rtspPort: number | undefined;
  /** The RTSP server's UDP port for RTP (RTCP on the next one); undefined without UDP. */
  readonly rtspRtpPort: number | undefined;
  /** The WebRTC server's UDP port, when `rtc_server` is enabled. */
  readonly rtcPort: number | undefined;
  /** The WebRTC server's ICE-TCP port, when `rtc_server.tcp` is enabled. */
  readonly rtcTcpPort: number | undefined;
  /** WebRTC sessions: answered, connecting or connected. */
  rtcSessions(): number;
  readonly hub: StreamHub;
  readonly metrics: SluiceMetrics;
  /** Reads every HTTPS listener's key and certificate again (for renewed certificates). */
  reloadCertificates(): void;
  /** Reads the configuration again and applies it to what starts from now on (SIGHUP, raw API). */
  reload(): Promise<ReloadOutcome>;
  /** Refused requests of Sluice's own API (wrong or missing token), when the API is on. */
  readonly apiAuth: ApiAuthStats | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  config: SluiceConfig;
  logger?: Logger;
  /** Reads the configuration again for a reload (the same file and environment); without it, reloads are refused. */
  reload?: () => Promise<LoadedConfig>;
  /** Where the web console's built files are (dist/console of this package by default). */
  consoleDir?: string;
  /** Set in a worker of `workers N`: the gate, directory and API reach the server through the primary. */
  worker?: WorkerLink;
}

/**
 * The composition root: builds the hub, the gate and every server, and starts them. Whatever is
 * started is stopped in reverse order, so listeners close before HLS and recorders finish their
 * files, and those before the gate delivers their last callbacks.
 */
export async function startSluice(options: StartOptions): Promise<RunningSluice> {
  const { config, logger = createLogger(options.config.log_level), worker } = options;
  // What must run once per server (WebRTC, ingests, configured pulls) runs in worker 1.
  const once = !worker || worker.env.index === 1;
  // Under workers, the server started when the primary did (a restarted worker is the same server).
  const startedAt = worker?.env.startedAt ?? Date.now();
  // Everything that starts later (sessions, streams, recordings) reads the configuration here.
  const holder = new ConfigHolder(config);
  const hub = new StreamHub(
    (vhost) => ({
      ...streamOptions(holder.current(), vhost),
      reaches: (publisher, audience) => rtcReaches(holder.current(), vhost, publisher.protocol, audience),
    }),
    (error) => logger.error({ err: error }, 'stream listener failed'),
    logger,
  );
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    const metrics = new SluiceMetrics({ label: config.exporter.label, tag: config.exporter.tag });
    // The API names servers and streams with the same ids as the callbacks.
    const identity = worker ? { serverId: worker.env.serverId, serviceId: worker.env.serviceId } : loadIdentity(config.data_dir);
    // Workers derive stream ids from the server's service id, so every worker names a stream alike.
    const streamIds = new StreamIds(10_000, worker?.env.serviceId);
    const proxy = worker && new GateProxy(worker.channel);
    const gate: ReloadableGate = proxy ?? createGate({ config, logger, identity, streamIds, observer: metrics.observeDelivery });
    if (proxy) hub.mayPublish = (_stream, publisher) => proxy.mayPublish(publisher.session);
    // Asks the primary's directory; with the primary gone (the worker is stopping) nothing is published elsewhere.
    if (worker) hub.publishedElsewhere = ({ vhost, app, name }) => worker.channel.request<boolean>('dir.elsewhere', { vhost, app, name }).catch(() => false);
    stoppers.push(() => gate.close());
    const vhostIds = new StreamIds(10_000, worker?.env.serviceId);
    // In a worker, `/metrics` sums every worker's registry.
    const metricsText = worker ? clusterMetrics(worker, metrics) : metrics;
    // Under workers, client ids start with the worker's number: no two workers give the same one.
    const sessions = new SessionRegistry(worker && new ClientIds(workerIdPrefix(worker.env.index, worker.env.count)));
    stoppers.push(async () => sessions.stop());
    const connections = new ConnectionCounter(() => holder.current().max_connections);
    const pending = new ConnectionCounter(() => maxPendingConnections(holder.current()));
    // Every protocol, HLS and the recorders reach the gate through its meters.
    const metered = metrics.meter(gate);
    metrics.watch({ hub, connections: () => connections.count, apiAuthRefused: () => apiAuth?.refused ?? 0 });
    const tlsServers: HttpServer[] = [];
    const reloadCertificates = (): void => tlsServers.forEach((server) => server.reloadCertificate());
    let ingests: IngestService | undefined;
    const reloader = new Reloader(holder, options.reload, (next) => {
      gate.reload(next);
      logger.level = next.log_level;
      reloadCertificates();
      // Only the ingests whose settings changed restart.
      if (once) void ingests?.apply(next);
    }, logger);
    // Starts one HTTP listener, and its HTTPS twin with the same routes when enabled.
    const serve = async (name: string, block: 'http_server' | 'http_api' | 'exporter', routes: HttpRoute[], upgrades: UpgradeRoute[] = []) => {
      const { listen, https }: { listen: Endpoint; https?: HttpsConfig } = config[block];
      const plain = new HttpServer(name, routes, upgrades, logger);
      const port = await plain.start(listen);
      stoppers.push(() => plain.stop());
      if (!https?.enabled) return { port, tlsPort: undefined };
      const secure = new HttpServer(`${name} (https)`, routes, upgrades, logger, { key: https.key, cert: https.cert, setting: `${block}.https` });
      const tlsPort = await secure.start(https.listen);
      stoppers.push(() => secure.stop());
      tlsServers.push(secure);
      return { port, tlsPort };
    };

    // Recording: DVR files and record tasks on each publish (repairs crash leftovers first).
    const recorders = await startRecorders({ config: holder, hub, events: metered, logger });
    stoppers.push(() => recorders.close());
    // Forward and restream: pushes to other servers, stopped before the gate closes.
    const relays = startRelays({ config: holder, hub, gate: metered, sessions, logger, meters: metrics.relays, startPulls: once });
    stoppers.push(async () => relays.close());
    const ctx: ServerContext = { config: holder, hub, gate: metered, logger, connections, pending, sessions, relays };
    // HLS: a segmenter per published stream of each vhost with hls enabled, served over HTTP.
    const hls = new HlsService(holder, hub, metered, logger, sessions);
    stoppers.push(() => hls.stop());

    const rtmp = new RtmpServer(ctx);
    const [rtmpPort] = await rtmp.start(config.listen);
    stoppers.push(() => rtmp.stop());
    // SRS ingests publish to the RTMP listener, so they start once it listens and stop before it closes.
    const relay = config.relay;
    ingests = new IngestService({
      logger,
      rtmpPort: rtmpPort ?? 0,
      backoff: { initialMs: relay.retry_initial, maxMs: relay.retry_max, healthyMs: relay.retry_reset },
      onChange: metrics.relays.observeIngest,
    });
    const ingestService = ingests;
    stoppers.push(() => ingestService.close());
    if (once) await ingests.apply(config);
    metrics.relays.watch({ pushes: relays.pushes, pulls: () => relays.pulls.list(), ingests: () => ingestService.list(), targets: () => relays.restream.list() });

    // SRT, RTSP and WebRTC are loaded only when enabled: a server without them does not hold their code.
    let srtPort: number | undefined;
    let srt: SrtServer | undefined;
    // SRT runs in every worker on one shared port: the kernel keeps each peer on one worker.
    if (config.srt_server.enabled) {
      const [{ SrtServer }, { demuxTs }] = await Promise.all([import('../servers/srt/srt-server.js'), import('../servers/srt/srt-ingest.js')]);
      srt = new SrtServer(ctx, demuxTs, worker && (worker.env.srtPort ?? config.srt_server.listen.port));
      srtPort = await srt.start();
      stoppers.push(() => srt!.stop());
    }

    let rtspPorts: { port: number; rtpPort: number } | undefined;
    // RTSP runs in every worker on the shared TCP port; its sessions' UDP comes to the worker that
    // answered SETUP, so each worker binds its own RTP/RTCP pair: worker k at rtp_port + 2(k-1).
    if (config.rtsp_server.enabled) {
      const { RtspServer } = await import('../servers/rtsp/rtsp-server.js');
      const rtsp = new RtspServer(ctx, rtspRtpPort(config.rtsp_server.rtp_port, worker?.env.index ?? 1));
      rtspPorts = await rtsp.start();
      stoppers.push(() => rtsp.stop());
    }

    // WebRTC: media on one UDP port, which every worker shares; its signalling is served by the
    // HTTP server and the API, on whichever worker takes the request.
    let rtc: RtcServer | undefined;
    let rtcPort: number | undefined;
    const rtcRoutes: HttpRoute[] = [];
    const rtcForward: HttpRoute[] = [];
    if (config.rtc_server.enabled) {
      const [{ RtcServer }, { rtcRoute }, { OpusBridges }, { ufragWorker }] = await Promise.all([
        import('../servers/webrtc/rtc-server.js'),
        import('../servers/webrtc/signalling.js'),
        import('../transcode/opus-bridge.js'),
        import('../servers/webrtc/rtc-ufrag.js'),
      ]);
      const bridges = new OpusBridges({ log: logger });
      stoppers.push(() => bridges.close());
      const siblings = worker && rtcSiblings(worker, worker.env.rtcPort ?? config.rtc_server.listen.port, (socket, head) => server.adoptTcp(socket, head));
      const server = new RtcServer(ctx, identity.serverId, bridges, siblings);
      rtc = server;
      rtcPort = await server.start();
      stoppers.push(async () => server.stop());
      rtcRoutes.push(rtcRoute(server, logger));
      // A request naming a session (WHIP/WHEP DELETE, PATCH) goes to the worker that holds it.
      if (worker) {
        const self = worker.env.index;
        rtcForward.push(forwardRoute((url) => {
          const owner = url.pathname.startsWith('/rtc/v1/') ? ufragWorker(url.searchParams.get('session') ?? '') : undefined;
          return owner !== undefined && owner !== self ? worker.channel.request('private.port.of', owner) : undefined;
        }));
      }
    }
    // Workers: what only one worker can answer is served on its private port and passed there.
    const hlsForward: HttpRoute[] = [];
    if (worker) {
      const privately = await servePrivately([...rtcRoutes, hls.route], logger);
      stoppers.push(() => privately.stop());
      worker.channel.note('private.port', privately.port);
      worker.channel.handle('hls.has', (path: string) => hls.serves(path));
      const viewerBytes = hls.shareViewerBytes((id, bytes) => worker.channel.note('hls.bytes', { id, bytes }));
      worker.channel.handle('hls.bytes', ({ id, bytes }: { id: string; bytes: number }) => viewerBytes.served(id, bytes));
      hlsForward.push(forwardRoute((url) => (url.pathname.endsWith('.m3u8') ? worker.channel.request('hls.port', url.pathname.replace(/^\/+/u, '')) : undefined)));
    }

    let http: { port?: number; tlsPort?: number | undefined } = {};
    if (config.http_server.enabled) {
      const flv = new FlvPlayService(ctx);
      const files = staticFiles(config.http_server.dir, { owned: hlsFiles(holder), logger });
      const routes = [...rtcForward, ...rtcRoutes, flv.route, hls.route, ...hlsForward, recorders.route, files];
      http = await serve('http server', 'http_server', routes, [flv.upgradeRoute]);
      // Ends players (WebSocket ones too, which no HTTP server closes) before the listeners stop.
      stoppers.push(async () => flv.stop());
    }

    let api: { port?: number; tlsPort?: number | undefined } = {};
    let apiAuth: ApiAuthStats | undefined;
    // One way to the other workers for every API, so each operation is served once.
    const peers = worker && clusterPeers(worker);
    if (config.http_api.enabled) {
      const raw = { config: holder, reload: () => (worker ? reloadEverywhere(worker) : reloader.reload()), latest: () => reloader.latest };
      const srsApi = apiRoutes({ config: holder, hub, sessions, identity, streamIds, vhostIds, raw, ...(peers ? { peers } : {}) });
      const listeners = { rtmp: rtmpPort ?? null, http: http.port ?? null, https: http.tlsPort ?? null, srt: srtPort ?? null, rtsp: rtspPorts?.port ?? null };
      const server = { version: VERSION, startedAt, listeners };
      const relayApi = relayRoutes(() => holder.current().http_api, relaySources(relays, peers));
      const pullApi = pullRoutes(() => holder.current().http_api, pullSources(relays.pulls, peers));
      const ingestApi = ingestRoutes(() => holder.current().http_api, ingestSources(ingestService, peers));
      // Under workers the delivery log is the primary's.
      const deliveries = proxy ? { listDeliveries: proxy.deliveries.bind(proxy), replayDelivery: proxy.replayDelivery.bind(proxy) } : gate;
      const own = sluiceApi({ config: holder, hub, sessions, streamIds, deliveries, records: recorders.records, server, reload: raw.reload, logger, mounted: [relayApi, pullApi, ingestApi], peers });
      stoppers.push(async () => own.stop());
      apiAuth = own.auth;
      const consolePages = consoleRoute(options.consoleDir ?? consoleDir(), logger);
      api = await serve('http api', 'http_api', [...rtcForward, ...rtcRoutes, metricsRoute(metricsText), own.route, consolePages, srsApi]);
    }
    const exporter = config.exporter.enabled ? await serve('exporter', 'exporter', [metricsRoute(metricsText)]) : undefined;
    if (worker && peers) {
      const views = localViews({ config: holder, hub, sessions, streamIds, vhostIds, peers });
      const leave = await joinCluster(worker, { hub, connections, pending, sessions, metrics, views, reload: () => reloader.reload(), logger, rtc });
      // Leaves after the listeners closed and the sessions ended, so their last gate calls go first.
      stoppers.unshift(leave);
    }

    return {
      rtmpPort: rtmpPort ?? 0,
      httpPort: http.port,
      apiPort: api.port,
      httpsPort: http.tlsPort,
      apiHttpsPort: api.tlsPort,
      exporterPort: exporter?.port,
      srtPort,
      srtSessions: () => srt?.sessionCount ?? 0,
      rtspPort: rtspPorts?.port,
      rtspRtpPort: rtspPorts?.rtpPort || undefined,
      rtcPort,
      rtcTcpPort: rtc?.tcpListenPort,
      rtcSessions: () => rtc?.sessionCount ?? 0,
      hub,
      metrics,
      apiAuth,
      reloadCertificates,
      reload: () => reloader.reload(),
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function streamOptions(config: SluiceConfig, vhostName: string): StreamOptions {
  const play = (config.vhosts[vhostName] ?? config.vhosts.__defaultVhost__)!.play;
  return {
    gopCache: play.gop_cache,
    gopCacheMaxFrames: play.gop_cache_max_frames,
    gopCacheMaxBytes: play.gop_cache_max_bytes,
    queueLengthSeconds: play.queue_length,
    mergedWriteMs: play.mw_latency,
  };
}

/** Playlists and segments under an HLS directory: only the HLS route, with its gate, serves them. */
function hlsFiles(config: ConfigSource): (file: string) => boolean {
  return (file) => {
    if (!/\.(m3u8|ts)$/u.test(file)) return false;
    const vhosts = Object.values(config.current().vhosts).filter((vhost) => vhost.enabled && vhost.hls.enabled);
    return vhosts.some((vhost) => file.startsWith(resolve(vhost.hls.hls_path) + sep));
  };
}
