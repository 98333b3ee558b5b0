import type { Endpoint } from '../config/schema.js';
import type { ConfigSource } from '../config/source.js';
import type { ApiExchange } from './api-http.js';

// srs_kernel_error.hpp
const ERROR_SYSTEM_CONFIG_INVALID = 1023;
const ERROR_SYSTEM_CONFIG_RAW = 1060;
const ERROR_SYSTEM_CONFIG_RAW_DISABLED = 1061;
// SrsReloadState (srs_app_config.hpp): a refused file fails while parsing, else the reload finished.
const RELOAD_STATE_PARSING = 10;
const RELOAD_STATE_FINISHED = 90;

/** What the raw API reports of a reload. */
export interface ReloadReport {
  readonly id: string;
  readonly error?: Error;
}

export interface RawApiOptions {
  config: ConfigSource;
  /** Reloads the configuration file; resolves with how it went. */
  reload(): Promise<ReloadReport>;
  /** The latest reload, if any ran. */
  latest(): ReloadReport | undefined;
}

/**
 * SRS's raw API (SrsGoApiRaw): `rpc=raw` shows the raw API settings, `rpc=reload` reloads the
 * configuration (when `raw_api { enabled on; allow_reload on; }`), `rpc=reload-fetch` tells how
 * the latest reload went. Unlike SRS, the reload is done when the answer comes: a refused file
 * answers ERROR_SYSTEM_CONFIG_INVALID with the reason in `data`.
 */
export function rawApi(options: RawApiOptions): (x: ApiExchange) => void {
  return (x) => {
    const { http_api: api } = options.config.current();
    const rpc = x.url.searchParams.get('rpc') ?? '';
    if (rpc === 'raw') {
      const raw = { enabled: api.raw_api.enabled, allow_reload: api.raw_api.allow_reload, allow_query: false, allow_update: false };
      return x.json({ code: 0, http_api: { enabled: api.enabled, listen: listenText(api.listen), crossdomain: api.crossdomain, raw_api: raw } });
    }
    if (!api.raw_api.enabled) return x.code(ERROR_SYSTEM_CONFIG_RAW_DISABLED);
    if (rpc === 'reload-fetch') return x.json({ code: 0, data: fetched(options.latest()) });
    if (rpc !== 'reload') return x.code(ERROR_SYSTEM_CONFIG_RAW);
    if (!api.raw_api.allow_reload) return x.code(ERROR_SYSTEM_CONFIG_RAW_DISABLED);
    void options.reload().then((report) => {
      if (!report.error) return x.code(0);
      x.json({ code: ERROR_SYSTEM_CONFIG_INVALID, data: fetched(report) });
    });
  };
}

/** SRS's reload-fetch `data`: error code and message, state, reload id. */
function fetched(report: ReloadReport | undefined): Record<string, unknown> {
  if (!report) return { err: 0, msg: 'Success', state: 0, rid: '' };
  const { error } = report;
  return {
    err: error ? ERROR_SYSTEM_CONFIG_INVALID : 0,
    msg: error ? error.message : 'Success',
    state: error ? RELOAD_STATE_PARSING : RELOAD_STATE_FINISHED,
    rid: report.id,
  };
}

/** The listen setting as written in SRS's config: `1985`, or `host:port` when bound to one address. */
function listenText(endpoint: Endpoint): string {
  if (endpoint.host === '0.0.0.0') return String(endpoint.port);
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
