import { configSchemas, type PullConfig, type SluiceConfig } from '../config/schema.js';
import { Puller, type PullerDeps, type PullSpec, type PullStatus } from './puller.js';
import { openFlvSource, openRtmpSource, type SourceOptions } from './pull-sources.js';
import { RelayRequestError } from './errors.js';
import { PullStore, type StoredPull } from './pull-store.js';
import { redactUrl } from './rtmp-client/rtmp-url.js';

/** A pull started for players (notify on_play 3xx): it runs while one of them still plays. */
interface OnDemand {
  puller: Puller;
  holders: number;
}

/**
 * The pulls and virtual live streams: those of the config run until the server stops, those
 * added through the API until removed, and those a notify on_play asked for while their players play.
 */
export class PullService {
  private readonly pullers = new Map<string, Puller>();
  private readonly onDemand = new Map<string, OnDemand>();
  /** The pulls added through the API, as kept in the store. */
  private readonly added = new Map<string, StoredPull>();

  constructor(
    relay: SluiceConfig['relay'],
    private readonly source: SourceOptions,
    private readonly deps: PullerDeps,
    private readonly store?: PullStore,
  ) {
    const pulls = relay.pull.map((pull) => this.pullSpec(pull));
    const files = relay.virtual_live.streams.map(({ file, vhost, app, stream }): PullSpec => ({
      vhost, app, stream,
      protocol: 'virtual-live',
      describe: file,
      async open() {
        const { checkMedia, confinedFile, FileSource } = await import('./virtual-live.js');
        // Checked at each open: a link swapped for one that leads out is refused too.
        const path = await confinedFile(relay.virtual_live.dir, file);
        await checkMedia(path);
        const fileSource = new FileSource(path);
        queueMicrotask(() => fileSource.start());
        return fileSource;
      },
    }));
    for (const spec of [...pulls, ...files]) this.keep(new Puller(spec, deps));
    for (const pull of store?.load() ?? []) {
      this.added.set(pull.id, pull);
      this.keep(new Puller(this.pullSpec(pull), deps, pull.id));
    }
  }

  start(): void {
    for (const puller of this.pullers.values()) puller.start();
  }

  list(): PullStatus[] {
    return [...this.pullers.values(), ...[...this.onDemand.values()].map(({ puller }) => puller)].map((puller) => puller.status());
  }

  /** Starts a pull at run time (the API's POST); it runs until removed or the server stops. */
  add(input: unknown): PullStatus {
    const result = configSchemas().pull.safeParse(input);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RelayRequestError(`${issue.path.join('.') || 'pull'}: ${issue.message}`, 400);
    }
    const puller = this.keep(new Puller(this.pullSpec(result.data), this.deps));
    this.added.set(puller.id, { ...result.data, id: puller.id });
    this.save();
    this.deps.logger.info({ pull: puller.id, stream: `${result.data.app}/${result.data.stream}`, source: redactUrl(result.data.url) }, 'pull added');
    puller.start();
    return puller.status();
  }

  /** Stops a pull and forgets it (a configured one comes back at the next start). */
  remove(id: string): void {
    const puller = this.pullers.get(id);
    if (!puller) throw new RelayRequestError(`no pull ${id}`, 404);
    puller.stop();
    this.pullers.delete(id);
    if (this.added.delete(id)) this.save();
    this.deps.logger.info({ pull: id }, 'pull removed');
  }

  /**
   * Pulls `url` into vhost/app/name for a player (nginx-rtmp on_play relay), unless that stream is
   * already pulled for others; the pull stops once every player that asked has called its release.
   */
  pullFor(vhost: string, app: string, name: string, url: string): () => void {
    const key = `${vhost}/${app}/${name}`;
    let entry = this.onDemand.get(key);
    if (!entry) {
      const puller = new Puller(this.pullSpec({ url, vhost, app, stream: name }), this.deps);
      this.onDemand.set(key, (entry = { puller, holders: 0 }));
      puller.start();
    }
    const held = entry;
    held.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--held.holders > 0 || this.onDemand.get(key) !== held) return;
      held.puller.stop();
      this.onDemand.delete(key);
    };
  }

  close(): void {
    for (const puller of this.pullers.values()) puller.stop();
    for (const { puller } of this.onDemand.values()) puller.stop();
    this.onDemand.clear();
  }

  private save(): void {
    this.store?.save([...this.added.values()]);
  }

  private keep(puller: Puller): Puller {
    this.pullers.set(puller.id, puller);
    return puller;
  }

  private pullSpec({ url, vhost, app, stream }: PullConfig): PullSpec {
    const protocol = pullProtocol(url);
    const describe = redactUrl(url);
    const warn = (message: string): void => this.deps.logger.warn({ protocol, stream: `${app}/${stream}`, source: describe }, message);
    // HLS pulls and virtual live (their demuxers) are loaded with the first of them that opens.
    const open = {
      'rtmp-pull': () => openRtmpSource(url, this.source),
      'flv-pull': () => openFlvSource(url, this.source),
      'hls-pull': async () => (await import('./hls-pull/hls-source.js')).openHlsSource(url, { ...this.source, warn }),
    }[protocol];
    return { vhost, app, stream, protocol, describe, open };
  }
}

/** RTMP(S) URLs are played over RTMP, HTTP(S) URLs whose path ends in `.m3u8` as HLS, other HTTP(S) ones as FLV. */
export function pullProtocol(url: string): 'rtmp-pull' | 'flv-pull' | 'hls-pull' {
  if (/^rtmps?:/i.test(url)) return 'rtmp-pull';
  return /\.m3u8$/i.test(url.replace(/[?#].*$/, '')) ? 'hls-pull' : 'flv-pull';
}
