import { resolve, sep } from 'node:path';
import type { SluiceConfig } from '../config/schema.js';
import { apiRoutes } from '../api/api-routes.js';
import { relayRoutes } from '../api/relay-routes.js';
import { createGate, type ManagedGate } from '../gate/index.js';
import { loadIdentity, StreamIds } from '../gate/identity.js';
import { StreamHub } from '../hub/stream-hub.js';
import type { StreamOptions } from '../hub/stream.js';
import { ConnectionCounter, type ServerContext } from '../servers/context.js';
import { HttpServer } from '../servers/http/http-server.js';
import { staticFiles } from '../servers/http/static-files.js';
import { FlvPlayService } from '../servers/http-flv/flv-play.js';
import { HlsService } from '../hls/hls-service.js';
import { RtmpServer } from '../servers/rtmp/rtmp-server.js';
import { SessionRegistry } from '../servers/sessions.js';
import { SrtServer } from '../servers/srt/srt-server.js';
import { demuxTs } from '../servers/srt/srt-ingest.js';
import { startRecorders } from '../recorder/index.js';
import { startRelays } from '../relay/index.js';
import { createLogger, type Logger } from '../util/logger.js';

export interface RunningSluice {
  /** Bound ports (the configured ones, or the ones the OS chose for port 0). */
  readonly rtmpPort: number;
  readonly httpPort: number | undefined;
  readonly apiPort: number | undefined;
  readonly srtPort: number | undefined;
  /** SRT connections held: accepted, or waiting for the gate. */
  srtSessions(): number;
  readonly hub: StreamHub;
  close(): Promise<void>;
}

export interface StartOptions {
  config: SluiceConfig;
  logger?: Logger;
}

/**
 * The composition root: builds the hub, the gate and every server, and starts them. Whatever is
 * started is stopped in reverse order, so listeners close before HLS and recorders finish their
 * files, and those before the gate delivers their last callbacks.
 */
export async function startSluice({ config, logger = createLogger(config.log_level) }: StartOptions): Promise<RunningSluice> {
  const hub = new StreamHub(
    (vhost) => streamOptions(config, vhost),
    (error) => logger.error({ err: error }, 'stream listener failed'),
    logger,
  );
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) await stop();
  };
  try {
    // The API names servers and streams with the same ids as the callbacks.
    const identity = loadIdentity(config.data_dir);
    const streamIds = new StreamIds();
    const gate: ManagedGate = createGate({ config, logger, identity, streamIds });
    stoppers.push(() => gate.close());
    const sessions = new SessionRegistry();
    stoppers.push(async () => sessions.stop());
    const ctx: ServerContext = { config, hub, gate, logger, connections: new ConnectionCounter(config.max_connections), sessions };

    // Recording: DVR files and record tasks on each publish (repairs crash leftovers first).
    const recorders = await startRecorders({ config, hub, events: gate, logger });
    stoppers.push(() => recorders.close());
    // Forward and restream: pushes to other servers, stopped before the gate closes.
    const relays = startRelays({ config, hub, gate, sessions, logger });
    stoppers.push(async () => relays.close());
    // HLS: a segmenter per published stream of each vhost with hls enabled, served over HTTP.
    const hls = HlsService.wanted(config) ? new HlsService(config, hub, gate, logger, sessions) : undefined;
    if (hls) stoppers.push(() => hls.stop());

    const rtmp = new RtmpServer(ctx);
    const [rtmpPort] = await rtmp.start(config.listen);
    stoppers.push(() => rtmp.stop());

    let srtPort: number | undefined;
    let srt: SrtServer | undefined;
    if (config.srt_server.enabled) {
      srt = new SrtServer(ctx, demuxTs);
      srtPort = await srt.start();
      stoppers.push(() => srt!.stop());
    }

    let httpPort: number | undefined;
    if (config.http_server.enabled) {
      const flv = new FlvPlayService(ctx);
      const files = staticFiles(config.http_server.dir, { owned: hlsFiles(config), logger });
      const routes = [flv.route, ...(hls ? [hls.route] : []), recorders.route, files];
      const http = new HttpServer('http server', routes, [flv.upgradeRoute], logger);
      httpPort = await http.start(config.http_server.listen);
      stoppers.push(async () => {
        flv.stop();
        await http.stop();
      });
    }

    let apiPort: number | undefined;
    if (config.http_api.enabled) {
      const routes = apiRoutes({ config, hub, sessions, identity, streamIds, vhostIds: new StreamIds() });
      const api = new HttpServer('http api', [relayRoutes(config.http_api, relays), routes], [], logger);
      apiPort = await api.start(config.http_api.listen);
      stoppers.push(() => api.stop());
    }

    return { rtmpPort: rtmpPort ?? 0, httpPort, apiPort, srtPort, srtSessions: () => srt?.sessionCount ?? 0, hub, close: stopAll };
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
function hlsFiles(config: SluiceConfig): (file: string) => boolean {
  const roots = Object.values(config.vhosts)
    .filter((vhost) => vhost.enabled && vhost.hls.enabled)
    .map((vhost) => resolve(vhost.hls.hls_path) + sep);
  return (file) => /\.(m3u8|ts)$/u.test(file) && roots.some((root) => file.startsWith(root));
}
