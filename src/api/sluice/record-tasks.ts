import type { RecordService, RecordTask } from '../../recorder/record-service.js';
import type { ApiPeers } from '../api-routes.js';

/** What the record routes need: the whole server's record tasks. */
export interface RecordTasks {
  start(vhost: string, app: string, stream: string): Promise<RecordTask>;
  /** Ends a task; resolves when its file is closed. */
  stop(taskId: string): Promise<void>;
  list(): Promise<RecordTask[]>;
}

type Local = Pick<RecordService, 'start' | 'stop' | 'list' | 'forget' | 'onBegin'>;

/**
 * Record tasks of one process, or of every worker. Under workers a task is started in each with
 * the same id: the worker that has (or gets) the stream's publisher records it, and the others
 * then forget their waiting copy; a stop reaches every worker.
 */
export function recordTasks(local: Local, peers?: ApiPeers): RecordTasks {
  const started = (id: string): RecordTask => local.list().find((task) => task.id === id)!;
  if (!peers) {
    return {
      start: async (vhost, app, stream) => started(local.start(vhost, app, stream)),
      stop: (id) => local.stop(id),
      list: async () => local.list(),
    };
  }
  peers.serve('records.start', ({ vhost, app, stream, id }: RecordTask) => started(local.start(vhost, app, stream, id)));
  peers.serve('records.stop', (id: string) => local.stop(id));
  peers.serve('records.forget', (id: string) => local.forget(id));
  peers.serve('records.list', () => local.list());
  local.onBegin = (id) => void peers.ask('records.forget', id);
  return {
    async start(vhost, app, stream) {
      const mine = started(local.start(vhost, app, stream));
      return mergeTasks([[mine], await peers.ask<RecordTask>('records.start', mine)])[0]!;
    },
    async stop(id) {
      await Promise.all([local.stop(id), peers.ask('records.stop', id)]);
    },
    list: async () => mergeTasks([local.list(), ...(await peers.ask<RecordTask[]>('records.list'))]),
  };
}

// A worker's copy that left `waiting` is the task's real state.
const RANK = { waiting: 0, done: 1, recording: 2 } as const;

function mergeTasks(perWorker: RecordTask[][]): RecordTask[] {
  const merged = new Map<string, RecordTask>();
  for (const task of perWorker.flat()) {
    const seen = merged.get(task.id);
    if (!seen || RANK[task.state] > RANK[seen.state]) merged.set(task.id, task);
  }
  return [...merged.values()];
}
