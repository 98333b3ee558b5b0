import type { ConfigSource } from '../../config/source.js';
import type { Delivery as GateDelivery, DeliveryQuery as GateDeliveryQuery } from '../../gate/index.js';
import { probeable, probeReceiver, probeVerdict } from '../../gate/probe.js';
import { ApiError, notFound } from './http.js';
import type { RecordTasks } from './record-tasks.js';
import { listRecordings } from './recordings.js';
import { callbackBlocks, redactConfig } from './redact.js';
import { route, type Route } from './router.js';
import * as s from './schemas.js';
import type { ServerViews } from './server-views.js';

/** What the callback routes need of the gate (under workers, the primary's, asked over IPC). */
export interface DeliveryLogView {
  listDeliveries(query?: GateDeliveryQuery): GateDelivery[] | Promise<GateDelivery[]>;
  replayDelivery(seq: number): Promise<GateDelivery | undefined>;
}

export interface RouteDeps {
  /** Read at each request, so a reload shows at once. */
  config: ConfigSource;
  /** The whole server's streams, sessions and figures. */
  views: ServerViews;
  deliveries: DeliveryLogView;
  records: RecordTasks | undefined;
  figureIntervalMs: number;
  server: () => Promise<ServerFacts>;
  /** Reads the configuration file and environment again (as SIGHUP does). */
  reload(): Promise<{ id: string; error?: Error; restartOnly: string[] }>;
}

/** What the server tells about itself: its version, start time and bound ports. */
export interface ServerFacts {
  version: string;
  startedAt: number;
  listeners: { rtmp: number | null; http: number | null; https: number | null; srt: number | null; rtsp: number | null };
}

/** Every operation of /api/sluice/v1, in the order the OpenAPI document lists them. */
export function sluiceRoutes(deps: RouteDeps): Route[] {
  const { views } = deps;
  const records = (): RecordTasks => {
    if (!deps.records) throw new ApiError(404, 'not_found', 'recording is not available');
    return deps.records;
  };
  const delivery = async (seq: string): Promise<GateDelivery> => {
    const found = /^\d+$/.test(seq) ? (await deps.deliveries.listDeliveries({ seq: Number(seq), limit: 1 }))[0] : undefined;
    if (!found) throw notFound('delivery');
    return found;
  };

  return [
    route({ method: 'GET', path: '/server', operationId: 'getServer', summary: 'Version, start time and bound ports', response: s.ServerInfo, handle: () => deps.server() }),
    route({ method: 'GET', path: '/streams', operationId: 'listStreams', summary: 'Live streams', response: s.StreamList, handle: async () => ({ streams: await views.streams() }) }),
    route({
      method: 'GET',
      path: '/streams/{id}',
      operationId: 'getStream',
      summary: 'One stream, by id (vid-...)',
      response: s.Stream,
      handle: async ({ params }) => (await views.streams()).find((stream) => stream.id === params.id) ?? throwing(notFound('stream')),
    }),
    route({
      method: 'GET',
      path: '/sessions',
      operationId: 'listSessions',
      summary: 'Live sessions of every protocol',
      query: s.SessionQuery,
      response: s.SessionList,
      handle: async ({ query }) => {
        const list = (await views.sessions())
          .filter((v) => (query.protocol === undefined || v.protocol === query.protocol) && (query.kind === undefined || v.kind === query.kind))
          .filter((v) => query.stream === undefined || v.streamId === query.stream || v.url === query.stream);
        return { sessions: list };
      },
    }),
    route({
      method: 'GET',
      path: '/sessions/{id}',
      operationId: 'getSession',
      summary: 'One session',
      response: s.Session,
      handle: async ({ params }) => (await views.sessions()).find((session) => session.id === params.id) ?? throwing(notFound('session')),
    }),
    route({
      method: 'DELETE',
      path: '/sessions/{id}',
      operationId: 'kickSession',
      summary: 'Ends a session (kick), as DELETE /api/v1/clients/ID',
      response: s.Kicked,
      handle: async ({ params }) => ((await views.kick(params.id!)) ? { kicked: params.id! } : throwing(notFound('session'))),
    }),
    route({ method: 'GET', path: '/records/tasks', operationId: 'listRecordTasks', summary: 'Record tasks', response: s.RecordTaskList, handle: async () => ({ tasks: await records().list() }) }),
    route({
      method: 'POST',
      path: '/records/tasks',
      operationId: 'startRecordTask',
      summary: 'Starts recording a stream (waits for its publisher when there is none yet)',
      body: s.RecordStart,
      response: s.RecordTask,
      status: 201,
      handle: ({ body }) => records().start(body.vhost, body.app, body.stream),
    }),
    route({
      method: 'DELETE',
      path: '/records/tasks/{id}',
      operationId: 'stopRecordTask',
      summary: 'Stops a record task; answers when its file is closed',
      response: s.RecordTask,
      handle: async ({ params }) => {
        const task = (await records().list()).find((t) => t.id === params.id);
        if (!task) throw notFound('record task');
        await records().stop(task.id);
        return { ...task, state: 'done' as const };
      },
    }),
    route({
      method: 'GET',
      path: '/records/files',
      operationId: 'listRecordings',
      summary: 'Recorded files under the DVR and record directories',
      response: s.RecordingList,
      handle: async () => ({ recordings: await listRecordings(deps.config.current()) }),
    }),
    route({ method: 'GET', path: '/callbacks', operationId: 'listCallbacks', summary: 'Configured callback receivers per vhost and dialect', response: s.CallbackList, handle: () => ({ callbacks: callbackBlocks(deps.config.current()) }) }),
    route({
      method: 'GET',
      path: '/callbacks/deliveries',
      operationId: 'listDeliveries',
      summary: 'The delivery log, newest first',
      query: s.DeliveryQuery,
      response: s.DeliveryList,
      handle: async ({ query }) => {
        const since = typeof query.since === 'string' ? Date.parse(query.since) : query.since;
        const filters = { event: query.event, outcome: query.outcome, url: query.url, since };
        const defined = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
        const list = await deps.deliveries.listDeliveries({ ...defined, limit: query.limit, offset: query.offset });
        return { deliveries: list, offset: query.offset, limit: query.limit };
      },
    }),
    route({ method: 'GET', path: '/callbacks/deliveries/{seq}', operationId: 'getDelivery', summary: 'One delivery', response: s.Delivery, handle: ({ params }) => delivery(params.seq!) }),
    route({
      method: 'POST',
      path: '/callbacks/deliveries/{seq}/replay',
      operationId: 'replayDelivery',
      summary: 'Sends a logged call again (same body); the attempt is a new delivery linked to it',
      response: s.Delivery,
      handle: async ({ params }) => {
        const original = await delivery(params.seq!);
        // Rows logged by versions that did not keep bodies: there is nothing to send again.
        if (original.method === 'POST' && original.contentType === '' && original.body === '') {
          throw new ApiError(409, 'conflict', 'this delivery was logged without its body and cannot be replayed');
        }
        return (await deps.deliveries.replayDelivery(original.seq)) ?? throwing(notFound('delivery'));
      },
    }),
    route({
      method: 'POST',
      path: '/callbacks/test',
      operationId: 'testCallback',
      summary: 'Sends one sample event to a URL and tells what Sluice would do with the answer',
      body: s.CallbackTest,
      response: s.CallbackTestResult,
      handle: async ({ body }) => {
        if (!probeable(body.dialect, body.event)) throw new ApiError(400, 'bad_request', `body.event: ${body.event} is no ${body.dialect} event`, 'body.event');
        const found = await probeReceiver({ ...body, dialect: body.dialect });
        if (!found) return { ok: false, verdict: 'no answer in time', delivery: null };
        return { ...probeVerdict(found), delivery: found };
      },
    }),
    route({
      method: 'GET',
      path: '/config',
      operationId: 'getConfig',
      summary: 'The effective config, credentials redacted',
      response: s.EffectiveConfig,
      handle: () => ({ config: redactConfig(deps.config.current()) as Record<string, unknown> }),
    }),
    route({
      method: 'POST',
      path: '/config/reload',
      operationId: 'reloadConfig',
      summary: 'Reads the configuration again; a broken one is refused and the running one kept',
      response: s.ReloadResult,
      handle: async () => {
        const outcome = await deps.reload();
        return { id: outcome.id, applied: !outcome.error, error: outcome.error?.message ?? null, restartOnly: outcome.restartOnly };
      },
    }),
    route({ method: 'GET', path: '/figures', operationId: 'getFigures', summary: 'Live totals for charts', response: s.Figures, handle: () => views.figures() }),
    route({
      method: 'GET',
      path: '/figures/history',
      operationId: 'getFigureHistory',
      summary: 'Recent samples, oldest first',
      response: s.FigureHistoryBody,
      handle: async () => ({ intervalMs: deps.figureIntervalMs, samples: await views.figureHistory() }),
    }),
  ];
}

function throwing(error: ApiError): never {
  throw error;
}
