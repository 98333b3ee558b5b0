import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../config/load.js';
import type { SluiceConfig } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import { ConfigError, SluiceError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';

/** Reloading is not possible: the server was started without a file to read again. */
export class ReloadUnavailable extends SluiceError {}

/** How the last reload went (SRS's `reload-fetch`). */
export interface ReloadOutcome {
  /** Random id of the reload (SRS `rid`). */
  readonly id: string;
  /** Why the new configuration was refused; the running one was kept. */
  readonly error?: Error;
  /** Settings that changed in the file but apply only on restart (kept as they run). */
  readonly restartOnly: string[];
}

/** The configuration in force; replaced as a whole by a reload. */
export class ConfigHolder implements ConfigSource {
  constructor(private config: SluiceConfig) {}

  current(): SluiceConfig {
    return this.config;
  }

  replace(config: SluiceConfig): void {
    this.config = config;
  }
}

/**
 * Settings read once at start (listeners, the data directory, the pid file): a reload leaves
 * them as they run and names each one that changed.
 */
const RESTART_ONLY: Array<[string, (c: SluiceConfig) => unknown]> = [
  ['listen', (c) => c.listen],
  ['http_server.enabled', (c) => c.http_server.enabled],
  ['http_server.listen', (c) => c.http_server.listen],
  ['http_server.dir', (c) => c.http_server.dir],
  ['http_api.enabled', (c) => c.http_api.enabled],
  ['http_api.listen', (c) => c.http_api.listen],
  ['rtc_server', (c) => c.rtc_server],
  ['data_dir', (c) => c.data_dir],
  ['pid', (c) => c.pid],
  ['workers', (c) => c.workers],
];

/** `next` with the restart-only settings of `running`, and the names of those that differed. */
export function keepRestartOnly(running: SluiceConfig, next: SluiceConfig): { config: SluiceConfig; changed: string[] } {
  const changed = RESTART_ONLY.filter(([, get]) => JSON.stringify(get(running)) !== JSON.stringify(get(next))).map(([name]) => name);
  const config: SluiceConfig = {
    ...next,
    listen: running.listen,
    data_dir: running.data_dir,
    pid: running.pid,
    workers: running.workers,
    http_server: { ...next.http_server, enabled: running.http_server.enabled, listen: running.http_server.listen, dir: running.http_server.dir },
    http_api: { ...next.http_api, enabled: running.http_api.enabled, listen: running.http_api.listen },
    rtc_server: running.rtc_server,
  };
  return { config, changed };
}

/**
 * Reads the configuration again (SIGHUP, SRS's raw API) and applies it to what starts from now
 * on. A configuration that does not load or validate is refused and the running one kept.
 * Reloads run one at a time.
 */
export class Reloader {
  private last: ReloadOutcome | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly holder: ConfigHolder,
    private readonly load: (() => Promise<LoadedConfig>) | undefined,
    /** Rebuilds what is built from the configuration (the gate); throws to refuse it. */
    private readonly apply: (config: SluiceConfig) => void,
    private readonly logger: Logger,
  ) {}

  /** The outcome of the latest reload, if any ran. */
  get latest(): ReloadOutcome | undefined {
    return this.last;
  }

  reload(): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.run());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(): Promise<ReloadOutcome> {
    const id = randomBytes(4).toString('hex').slice(0, 7);
    this.logger.info({ rid: id }, 'reloading configuration');
    let outcome: ReloadOutcome;
    try {
      if (!this.load) throw new ReloadUnavailable('no configuration file to reload: the server was started without one');
      const loaded = await this.load();
      for (const warning of loaded.warnings) this.logger.warn({ rid: id }, `reload: ${warning}`);
      const { config, changed } = keepRestartOnly(this.holder.current(), loaded.config);
      this.apply(config);
      this.holder.replace(config);
      for (const setting of changed) this.logger.warn({ rid: id, setting }, `reload: ${setting} changed; it applies only after a restart`);
      outcome = { id, restartOnly: changed };
      this.logger.info({ rid: id, config: loaded.source }, 'configuration reloaded');
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      outcome = { id, error, restartOnly: [] };
      // A broken file is the operator's to fix; anything else is the server's fault.
      const expected = error instanceof ConfigError || error instanceof ReloadUnavailable;
      this.logger[expected ? 'warn' : 'error']({ rid: id, err: error.message }, 'reload refused, the running configuration is kept');
    }
    this.last = outcome;
    return outcome;
  }
}
