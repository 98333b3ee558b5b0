import type { IngestConfig } from '../../config/ingest-schema.js';
import type { SluiceConfig } from '../../config/schema.js';
import type { BackoffOptions } from '../../util/backoff.js';
import type { Logger } from '../../util/logger.js';
import { SupervisedProcess, type SupervisedStatus } from '../../util/supervised-process.js';
import { RelayRequestError } from '../errors.js';
import { redactUrl } from '../rtmp-client/rtmp-url.js';
import { ffmpegArgs, ingestOutput } from './ffmpeg-args.js';

/** What the API shows of one ingest. */
export interface IngestStatus extends SupervisedStatus {
  name: string;
  vhost: string;
  /** `file` or `stream`, and its URL without credentials or stream key. */
  input: { type: string; url: string };
  output: string;
  ffmpeg: string;
  /** False when the engine copies the streams. */
  transcode: boolean;
}

export interface IngestServiceDeps {
  logger: Logger;
  /** The RTMP port, for `[port]` in outputs. */
  rtmpPort: number;
  backoff: BackoffOptions;
  /** How long a stopping ffmpeg gets after SIGTERM before SIGKILL, ms. */
  stopTimeoutMs?: number;
  /** Every start, exit, retry and stop of an ingest's process. */
  onChange?: (name: string, status: SupervisedStatus) => void;
}

interface Running {
  vhost: string;
  ingest: IngestConfig;
  /** The settings it runs with, to tell at a reload whether it changed. */
  signature: string;
  process: SupervisedProcess;
}

/**
 * SRS ingests: each enabled `ingest NAME { }` runs its ffmpeg as a supervised child (restarted
 * with backoff, stderr to the log, SIGTERM then SIGKILL at stop). A reload restarts only the
 * ingests whose settings changed, starts the new ones and stops the removed ones; the API can
 * stop and start one until the next change of its settings.
 */
export class IngestService {
  private readonly running = new Map<string, Running>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: IngestServiceDeps) {}

  /** Brings the running ingests in line with `config`; applies run one after another. */
  apply(config: SluiceConfig): Promise<void> {
    return this.enqueue(config);
  }

  list(): IngestStatus[] {
    return [...this.running.entries()].map(([name, entry]) => this.status(name, entry));
  }

  /** Starts an ingest the API stopped. */
  start(name: string): IngestStatus {
    const entry = this.find(name);
    entry.process.start();
    this.deps.logger.info({ ingest: name }, 'ingest started through the API');
    return this.status(name, entry);
  }

  /** Stops an ingest (it stays stopped until started again or its settings change). */
  async stop(name: string): Promise<IngestStatus> {
    const entry = this.find(name);
    await entry.process.stop();
    this.deps.logger.info({ ingest: name }, 'ingest stopped through the API');
    return this.status(name, entry);
  }

  /** Stops every ingest's process; resolves once all have exited. */
  close(): Promise<void> {
    return this.enqueue(undefined);
  }

  /** Runs applies one after another; a failed one is logged and never blocks the next. */
  private enqueue(config: SluiceConfig | undefined): Promise<void> {
    this.queue = this.queue
      .then(() => this.applyNow(config))
      .catch((error: unknown) => this.deps.logger.error({ err: error }, 'ingests could not be applied'));
    return this.queue;
  }

  private async applyNow(config: SluiceConfig | undefined): Promise<void> {
    const wanted = config ? enabledIngests(config, this.deps.logger) : new Map<string, { vhost: string; ingest: IngestConfig }>();
    const stopping: Array<Promise<void>> = [];
    for (const [name, entry] of this.running) {
      const next = wanted.get(name);
      if (next && signature(next.vhost, next.ingest) === entry.signature) continue;
      this.running.delete(name);
      this.deps.logger.info({ ingest: name }, next ? 'ingest changed; restarting it' : 'ingest stopped');
      stopping.push(entry.process.stop());
    }
    await Promise.all(stopping);
    for (const [name, { vhost, ingest }] of wanted) {
      if (this.running.has(name)) continue;
      const output = ingestOutput(ingest, vhost, this.deps.rtmpPort);
      const process = new SupervisedProcess({
        name: `ingest ${name}`,
        command: ingest.ffmpeg,
        args: ffmpegArgs(ingest, output),
        logger: this.deps.logger,
        backoff: this.deps.backoff,
        ...(this.deps.stopTimeoutMs !== undefined ? { stopTimeoutMs: this.deps.stopTimeoutMs } : {}),
        onChange: (status) => this.deps.onChange?.(name, status),
      });
      this.running.set(name, { vhost, ingest, signature: signature(vhost, ingest), process });
      process.start();
    }
  }

  private find(name: string): Running {
    const entry = this.running.get(name);
    if (!entry) throw new RelayRequestError(`no ingest ${name}`, 404);
    return entry;
  }

  private status(name: string, { vhost, ingest, process }: Running): IngestStatus {
    const { engine } = ingest;
    return {
      name,
      vhost,
      input: { type: ingest.input.type, url: hideSecrets(ingest.input.url) },
      output: hideSecrets(ingestOutput(ingest, vhost, this.deps.rtmpPort)),
      ffmpeg: ingest.ffmpeg,
      transcode: engine.enabled && engine.vcodec !== '' && engine.acodec !== '',
      ...process.status(),
    };
  }
}

/** The enabled ingests of enabled vhosts by name; a name used twice keeps its first (SRS: names are global). */
function enabledIngests(config: SluiceConfig, logger: Logger): Map<string, { vhost: string; ingest: IngestConfig }> {
  const found = new Map<string, { vhost: string; ingest: IngestConfig }>();
  for (const [vhost, block] of Object.entries(config.vhosts)) {
    if (!block.enabled) continue;
    for (const [name, ingest] of Object.entries(block.ingests)) {
      if (!ingest.enabled) continue;
      if (found.has(name)) {
        logger.warn({ ingest: name, vhost }, 'ingest name already used by another vhost; this one is ignored');
        continue;
      }
      found.set(name, { vhost, ingest });
    }
  }
  return found;
}

function signature(vhost: string, ingest: IngestConfig): string {
  return JSON.stringify([vhost, ingest]);
}

/** A URL without user and password, stream key or query; a file path as it is. */
function hideSecrets(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? redactUrl(url.replace(/\/\/[^/@]*@/, '//')) : url;
}
