/** What a relay is, as metrics label it: a bounded set. */
export type RelayKind = 'forward' | 'push' | 'restream' | 'rtmp-pull' | 'flv-pull' | 'hls-pull' | 'virtual-live' | 'ingest';

/** start: created; live: connected (or process running); failure: an attempt failed or a live one was lost; retry: a new attempt begins; stop: stopped for good. */
export type RelayEvent = 'start' | 'live' | 'failure' | 'retry' | 'stop';

/** Where pushes, pulls and ingests report what happens to them (the metrics); counted per event, never per frame. */
export interface RelayMeters {
  event(kind: RelayKind, event: RelayEvent): void;
  /** The bytes a push sent or a pull received over its lifetime, once it stopped (those under way are read from their statuses). */
  retired(kind: RelayKind, bytes: number): void;
}

export const NO_METERS: RelayMeters = { event: () => {}, retired: () => {} };
