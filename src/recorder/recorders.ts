import type { ConfigSource } from '../config/source.js';
import type { Stream } from '../hub/stream.js';
import type { HttpRoute } from '../servers/http/http-server.js';
import type { Listeners } from '../util/listeners.js';
import type { Logger } from '../util/logger.js';
import { artifactRoute } from './artifact-route.js';
import { DvrService } from './dvr-service.js';
import { templateRoot } from './path-template.js';
import { RecordService, type StreamLookup } from './record-service.js';
import type { RecordingNotices } from './recording.js';
import { repairRecordings } from './repair.js';

// A file may have this much waiting for the disk before its recording gives up (~1 min of 4 Mbps).
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

/** What the recorders need of the hub. */
export interface RecordedHub extends StreamLookup {
  readonly published: Listeners<Stream>;
  readonly unpublished: Listeners<Stream>;
}

export interface RecordersOptions {
  /** Read at each publish: a reload applies from the next one. */
  config: ConfigSource;
  hub: RecordedHub;
  events: RecordingNotices;
  logger: Logger;
}

export interface Recorders {
  readonly records: RecordService;
  /** Serves record task artifacts at /record/<uuid>.mp4. */
  readonly route: HttpRoute;
  /** Stops listening to the hub and finishes every open file. */
  close(): Promise<void>;
}

/** Builds DVR and record tasks, repairs files a crash left, and attaches them to the hub. */
export async function startRecorders({ config, hub, events, logger }: RecordersOptions): Promise<Recorders> {
  const vhost = (name: string) => {
    const { vhosts } = config.current();
    return (vhosts[name] ?? vhosts.__defaultVhost__)!;
  };
  const vhosts = Object.values(config.current().vhosts);
  const recordRoots = vhosts.map((v) => v.record.record_path);
  const dvrRoots = vhosts.filter((v) => v.dvr.enabled).map((v) => templateRoot(v.dvr.dvr_path));
  await repairRecordings([...dvrRoots, ...recordRoots], logger);

  const deps = { events, logger, maxQueuedBytes: MAX_QUEUED_BYTES };
  const dvr = new DvrService((name) => vhost(name).dvr, deps);
  const records = new RecordService((name) => vhost(name).record, hub, deps, recordRoots);
  const removers = [
    hub.published.add((stream) => {
      dvr.published(stream);
      records.published(stream);
    }),
    hub.unpublished.add((stream) => {
      dvr.unpublished(stream);
      records.unpublished(stream);
    }),
  ];
  return {
    records,
    route: artifactRoute((uuid) => records.artifactPath(uuid)),
    async close() {
      for (const remove of removers) remove();
      await Promise.all([dvr.close(), records.close()]);
    },
  };
}
