import type { Api } from './api.js';
import type { ServerInfo } from './types.js';

/** What a page is given: the API, the server's facts and the element to draw into. */
export interface PageContext {
  readonly api: Api;
  readonly server: ServerInfo;
  readonly root: HTMLElement;
}

/** Undoes what a page started (timers, players) when the operator leaves it. */
export type Cleanup = () => void;

export interface Page {
  /** Matched against the hash path (`/streams/vid-...`); groups become `params`. */
  readonly path: RegExp;
  readonly title: string;
  /** The navigation link, for pages listed in the header. */
  readonly nav?: string;
  render(ctx: PageContext, params: string[]): Promise<Cleanup | void>;
}

/** Runs `task` now and every `ms` until the returned cleanup; a run never overlaps the previous one. */
export function every(ms: number, task: () => Promise<void>): Cleanup {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async (): Promise<void> => {
    await task().catch(() => undefined);
    if (!stopped) timer = setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The HTTP server's base URL (players, downloads), on the host the console was opened with. */
export function mediaBase(server: ServerInfo): string | undefined {
  const { http, https } = server.listeners;
  if (location.protocol === 'https:' && https !== null) return `https://${location.hostname}:${https}`;
  return http === null ? undefined : `http://${location.hostname}:${http}`;
}
