import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_VHOST, type HlsConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import type { ClientSession } from '../gate/types.js';
import type { StreamReader } from '../hub/reader.js';
import type { SessionTracker } from '../servers/sessions.js';
import type { Logger } from '../util/logger.js';
import { HlsHttp, type PlayGate } from './hls-http.js';
import { HlsOutput, type HlsEvents } from './hls-output.js';
import { HlsSegmenter } from './segmenter.js';
import { HlsViewers } from './viewers.js';

/** The part of a hub stream HLS needs. */
export interface HlsSource {
  readonly key: string;
  readonly vhost: string;
  readonly app: string;
  readonly name: string;
  readonly publisher?: { readonly session: ClientSession } | undefined;
  addReader(reader: StreamReader): void;
  removeReader(reader: StreamReader): void;
}

/** The hub's publish events. */
export interface HlsHub {
  readonly published: { add(listener: (stream: HlsSource) => void): () => void };
  readonly unpublished: { add(listener: (stream: HlsSource) => void): () => void };
}

interface Entry {
  output: HlsOutput;
  config: HlsConfig;
  segmenter?: HlsSegmenter;
  disposeTimer?: NodeJS.Timeout;
}

/**
 * HLS for every vhost that enables it: a segmenter per publish, the files per stream (kept
 * across a republish until hls_dispose), and the HTTP route that serves them.
 */
export class HlsService {
  private readonly entries = new Map<string, Entry>();
  /** The same entries by playlist URL, for the HTTP route. */
  private readonly byUrl = new Map<string, Entry>();
  private readonly viewers: HlsViewers;
  private readonly http: HlsHttp;
  private readonly unsubscribe: Array<() => void>;

  constructor(
    private readonly config: ConfigSource,
    hub: HlsHub,
    private readonly gate: PlayGate & HlsEvents,
    private readonly logger: Logger,
    tracker?: SessionTracker,
  ) {
    this.viewers = new HlsViewers(gate, logger, tracker);
    this.http = new HlsHttp(
      { find: (url) => this.find(url), roots: () => this.roots() },
      this.viewers,
      gate,
      logger,
    );
    this.unsubscribe = [hub.published.add((s) => this.published(s)), hub.unpublished.add((s) => this.unpublished(s))];
  }

  /**
   * Under workers: `report` takes the bytes of segments this worker serves to another worker's
   * viewers, and `served` counts those another worker served to this one's.
   */
  shareViewerBytes(report: (id: string, bytes: number) => void): { served(id: string, bytes: number): void } {
    this.viewers.servedElsewhere = report;
    return { served: (id, bytes) => void this.viewers.touch(id, bytes) };
  }

  /** True when this service writes the playlist at `path` (a URL path without its leading `/`). */
  serves(path: string): boolean {
    return this.byUrl.has(path);
  }

  /** The HTTP route: playlists and segments; anything else passes on. */
  readonly route = (request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> =>
    this.http.handle(request, response, url);

  /** Ends viewers, closes open segments and waits for the files to be written. */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe) off();
    this.viewers.stop();
    for (const entry of this.entries.values()) {
      clearTimeout(entry.disposeTimer);
      entry.segmenter?.close();
    }
    await this.idle();
    this.entries.clear();
    this.byUrl.clear();
  }

  /** Resolves once every segment and playlist queued so far is written. */
  async idle(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => entry.output.idle()));
  }

  /** Read at each publish: a reload applies from the next one. */
  private hlsConfig(vhost: string): HlsConfig | undefined {
    const { vhosts } = this.config.current();
    const config = vhosts[vhost] ?? vhosts[DEFAULT_VHOST];
    return config?.enabled && config.hls.enabled ? config.hls : undefined;
  }

  private published(stream: HlsSource): void {
    const config = this.hlsConfig(stream.vhost);
    const session = stream.publisher?.session;
    if (!config || !session) return;
    let entry = this.entries.get(stream.key);
    if (entry) {
      clearTimeout(entry.disposeTimer);
      entry.disposeTimer = undefined;
    } else {
      const name = { vhost: stream.vhost, app: stream.app, stream: stream.name };
      try {
        entry = { output: new HlsOutput(name, config, this.gate, this.logger), config };
      } catch (error) {
        this.logger.error({ err: error, stream: `${stream.app}/${stream.name}` }, 'hls not started');
        return;
      }
      this.entries.set(stream.key, entry);
      this.byUrl.set(entry.output.m3u8Url, entry);
    }
    entry.segmenter = new HlsSegmenter(config, session, entry.output, this.logger);
    stream.addReader(entry.segmenter);
    this.logger.info({ stream: `${stream.app}/${stream.name}`, playlist: entry.output.m3u8File }, 'hls start');
  }

  private unpublished(stream: HlsSource): void {
    const entry = this.entries.get(stream.key);
    const segmenter = entry?.segmenter;
    if (!entry || !segmenter) return;
    stream.removeReader(segmenter);
    segmenter.close();
    entry.segmenter = undefined;
    const dispose = entry.config.hls_dispose;
    if (dispose <= 0) return;
    entry.disposeTimer = setTimeout(() => {
      this.entries.delete(stream.key);
      if (this.byUrl.get(entry.output.m3u8Url) === entry) this.byUrl.delete(entry.output.m3u8Url);
      void entry.output.dispose();
    }, dispose * 1000);
    entry.disposeTimer.unref();
  }

  private find(m3u8Url: string): { output: HlsOutput; config: HlsConfig } | undefined {
    return this.byUrl.get(m3u8Url);
  }

  private roots(): string[] {
    // Streams written before a reload that moved hls_path are still served from where they are.
    const vhosts = Object.values(this.config.current().vhosts);
    const paths = vhosts.filter((v) => v.enabled && v.hls.enabled).map((v) => v.hls.hls_path);
    for (const entry of this.entries.values()) paths.push(entry.config.hls_path);
    return [...new Set(paths)];
  }
}
