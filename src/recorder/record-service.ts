import { randomUUID } from 'node:crypto';
import type { RecordConfig } from '../config/schema.js';
import type { Stream } from '../hub/stream.js';
import { AttachedRecordings } from './attached.js';
import type { RecorderDeps } from './dvr-service.js';
import { resolveInside } from '../util/path-template.js';
import { Recording } from './recording.js';

export type RecordTaskState = 'waiting' | 'recording' | 'done';

/** A record task as the API shows it. */
export interface RecordTask {
  id: string;
  vhost: string;
  app: string;
  stream: string;
  state: RecordTaskState;
  /** The artifact's path and download URL path. */
  file: string;
  url: string;
}

/** The streams the service can look up (the hub). */
export interface StreamLookup {
  find(vhost: string, app: string, name: string): Stream | undefined;
}

// Finished tasks kept for `list()`; the oldest are forgotten first.
const DONE_TASKS_KEPT = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where a task's artifact is served on the HTTP server. */
export const artifactUrl = (id: string): string => `/record/${id}.mp4`;

/**
 * Oryx-style record tasks: one MP4 artifact per task at `<record_path>/<uuid>.mp4`. Every publish
 * of the apps a vhost lists gets a task; `start` adds one for any stream (it waits for the
 * publisher when there is none yet). A task ends when its publish ends or on `stop`.
 */
export class RecordService {
  private readonly tasks = new Map<string, RecordTask>();
  private readonly recordings = new AttachedRecordings<string>();
  /** Told when a task starts recording (under workers, the others forget their waiting copy). */
  onBegin: ((taskId: string) => void) | undefined;

  constructor(
    private readonly configFor: (vhost: string) => RecordConfig,
    private readonly streams: StreamLookup,
    private readonly deps: RecorderDeps,
    /** Every configured record_path, where artifacts of earlier runs are looked for. */
    private readonly roots: string[],
  ) {}

  /** `id`: the task's id in every worker, when a task is started in each (workers). */
  start(vhost: string, app: string, stream: string, id: string = randomUUID()): string {
    const file = resolveInside(this.root(vhost), `${id}.mp4`);
    this.tasks.set(id, { id, vhost, app, stream, state: 'waiting', file, url: artifactUrl(id) });
    const live = this.streams.find(vhost, app, stream);
    // A mirror of another worker's publish is recorded there.
    if (live?.publisher && !live.publisher.mirror) this.begin(this.tasks.get(id)!, live);
    return id;
  }

  /** Drops a task still waiting for its publisher (another worker records it). */
  forget(taskId: string): void {
    if (this.tasks.get(taskId)?.state === 'waiting') this.tasks.delete(taskId);
  }

  /** Ends a task; resolves when its artifact is closed. */
  async stop(taskId: string): Promise<void> {
    const task = this.tasks.get(taskId);
    if (!task || task.state === 'done') return;
    task.state = 'done';
    await this.recordings.detach(taskId);
    this.forgetOldTasks();
  }

  list(): RecordTask[] {
    return [...this.tasks.values()].map((task) => ({ ...task }));
  }

  /** Where the artifact of a uuid may be, if that name can be one; the caller checks which exists. */
  artifactPath(uuid: string): string[] {
    if (!UUID.test(uuid)) return [];
    const known = this.tasks.get(uuid);
    if (known) return [known.file];
    // Artifacts of earlier runs: look in every configured record_path.
    return [...new Set(this.roots)].map((root) => resolveInside(root, `${uuid}.mp4`));
  }

  published(stream: Stream): void {
    const config = this.configFor(stream.vhost);
    if (config.enabled && config.apps.includes(stream.app)) this.start(stream.vhost, stream.app, stream.name);
    for (const task of this.tasks.values()) {
      if (task.state === 'waiting' && task.vhost === stream.vhost && task.app === stream.app && task.stream === stream.name) {
        this.begin(task, stream);
      }
    }
  }

  unpublished(stream: Stream): void {
    for (const id of this.recordings.keysOf(stream)) void this.stop(id);
  }

  close(): Promise<void> {
    for (const task of this.tasks.values()) task.state = 'done';
    return this.recordings.closeAll();
  }

  private begin(task: RecordTask, stream: Stream): void {
    const session = stream.publisher!.session;
    task.state = 'recording';
    const recording = new Recording(
      { nextPath: () => task.file, waitKeyframe: true, taskId: task.id, urlOf: () => task.url },
      { ...this.deps, session },
    );
    this.deps.events.recordingStarted({ session, uuid: task.id });
    this.recordings.attach(task.id, stream, recording);
    this.onBegin?.(task.id);
  }

  private root(vhost: string): string {
    return this.configFor(vhost).record_path;
  }

  private forgetOldTasks(): void {
    const done = [...this.tasks.values()].filter((t) => t.state === 'done');
    for (const task of done.slice(0, Math.max(0, done.length - DONE_TASKS_KEPT))) this.tasks.delete(task.id);
  }
}
