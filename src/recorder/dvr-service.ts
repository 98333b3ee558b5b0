import type { DvrConfig } from '../config/schema.js';
import type { Stream } from '../hub/stream.js';
import type { Logger } from '../util/logger.js';
import { AttachedRecordings } from './attached.js';
import { recordingPath } from './path-template.js';
import { Recording, type RecordingNotices } from './recording.js';

export interface RecorderDeps {
  events: RecordingNotices;
  logger: Logger;
  /** Bytes a file may have waiting for the disk before its recording gives up. */
  maxQueuedBytes: number;
}

/** SRS DVR: records each publish of the streams `dvr_apply` names, on the vhosts that enable it. */
export class DvrService {
  private readonly recordings = new AttachedRecordings<Stream>();

  constructor(
    private readonly configFor: (vhost: string) => DvrConfig,
    private readonly deps: RecorderDeps,
  ) {}

  published(stream: Stream): void {
    const dvr = this.configFor(stream.vhost);
    const session = stream.publisher?.session;
    if (!dvr.enabled || !session || !applies(dvr.dvr_apply, stream.app, stream.name)) return;
    const names = { app: stream.app, stream: stream.name };
    const recording = new Recording(
      {
        nextPath: (at) => recordingPath(dvr.dvr_path, names, at),
        segmentMs: dvr.dvr_plan === 'segment' ? dvr.dvr_duration * 1000 : undefined,
        waitKeyframe: dvr.dvr_wait_keyframe,
        urlOf: () => '', // DVR files are not served
      },
      { ...this.deps, session },
    );
    this.recordings.attach(stream, stream, recording);
  }

  unpublished(stream: Stream): void {
    void this.recordings.detach(stream);
  }

  close(): Promise<void> {
    return this.recordings.closeAll();
  }
}

/** SRS dvr_apply: `all`, or a list of `app/stream`. */
export function applies(apply: string[], app: string, stream: string): boolean {
  return apply.includes('all') || apply.includes(`${app}/${stream}`);
}
