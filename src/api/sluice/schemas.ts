// zod 4's API (shipped inside the zod 3.25 package): its own JSON Schema 2020-12 converter makes
// the OpenAPI 3.1 document from these very schemas, with no generator package on top.
import { z } from 'zod/v4';

/** Schemas that become named components of the OpenAPI document. */
export const components = z.registry<{ id: string }>();

function named<T extends z.ZodType>(id: string, schema: T): T {
  components.add(schema, { id });
  return schema;
}

const count = z.number().int().min(0);

export const ErrorBody = named(
  'Error',
  z.object({
    error: z.object({
      /** Machine-readable: bad_request, unauthorized, forbidden, not_found, method_not_allowed, payload_too_large. */
      code: z.string(),
      message: z.string(),
      /** The request field at fault (`body.app`, `query.limit`), for bad requests. */
      field: z.string().optional(),
    }),
  }),
);

export const Kbps = z.object({ recv_30s: z.number(), send_30s: z.number() });

export const SrtLink = named(
  'SrtLink',
  z.object({
    /** Smoothed round-trip time, milliseconds. */
    rttMs: z.number().min(0),
    /** Packets from the peer found missing (and NAKed). */
    packetsLost: count,
    /** Packets resent to the peer. */
    packetsRetransmitted: count,
  }),
);

export const RtcLink = named(
  'RtcLink',
  z.object({
    /** Round-trip time from the peer's receiver reports, milliseconds (0 until one arrived). */
    rttMs: z.number().min(0),
    /** Packets lost: found missing from a publisher, or reported lost by a player. */
    packetsLost: count,
    /** Packets resent to a player that NACKed them. */
    packetsRetransmitted: count,
    nacksReceived: count,
    nacksSent: count,
    /** Keyframe requests (PLI/FIR) from a player, and sent to a publisher. */
    plisReceived: count,
    plisSent: count,
  }),
);

export const Session = named(
  'Session',
  z.object({
    id: z.string(),
    protocol: z.string(),
    kind: z.enum(['publish', 'play']),
    /** SRS's client type (fmle-publish, rtmp-play, flv-play, hls-play...). */
    type: z.string(),
    ip: z.string(),
    vhost: z.string(),
    app: z.string(),
    stream: z.string(),
    /** The stream's id, as the SRS API and the callbacks name it (`vid-...`). */
    streamId: z.string(),
    url: z.string(),
    startedAt: z.number(),
    aliveSeconds: z.number(),
    sendBytes: count,
    recvBytes: count,
    kbps: Kbps,
    /** SRT sessions only: the link's health. */
    srt: SrtLink.optional(),
    /** WebRTC sessions only: the link's health and its feedback counts. */
    rtc: RtcLink.optional(),
  }),
);

export const VideoTrack = named(
  'VideoTrack',
  z.object({ codec: z.string(), profile: z.string().nullable(), level: z.string().nullable(), width: z.number().nullable(), height: z.number().nullable() }),
);
export const AudioTrack = named(
  'AudioTrack',
  z.object({ codec: z.string(), profile: z.string().nullable(), sampleRate: z.number().nullable(), channels: z.number().nullable() }),
);

export const StreamReader = named(
  'StreamReader',
  z.object({
    id: z.string(),
    /** Players of any protocol are sessions; HLS muxers and recorders are internal readers. */
    kind: z.enum(['session', 'hls-muxer', 'recorder', 'internal']),
    internal: z.boolean(),
    protocol: z.string().nullable(),
  }),
);

export const Stream = named(
  'Stream',
  z.object({
    id: z.string(),
    vhost: z.string(),
    app: z.string(),
    name: z.string(),
    url: z.string(),
    publishing: z.boolean(),
    publisher: Session.nullable(),
    tracks: z.object({ video: VideoTrack.nullable(), audio: AudioTrack.nullable() }),
    readers: z.array(StreamReader),
    /** Media bits per second coming in, averaged over the last seconds. */
    bitrate: z.number(),
    kbps: Kbps,
    frames: z.object({ total: count, video: count }),
    uptimeSeconds: z.number().nullable(),
    sendBytes: count,
    recvBytes: count,
  }),
);

export const RecordTask = named(
  'RecordTask',
  z.object({
    id: z.string(),
    vhost: z.string(),
    app: z.string(),
    stream: z.string(),
    state: z.enum(['waiting', 'recording', 'done']),
    file: z.string(),
    /** Download path on the HTTP server (`/record/<id>.mp4`). */
    url: z.string(),
  }),
);

export const RecordingFile = named(
  'RecordingFile',
  z.object({
    kind: z.enum(['dvr', 'record']),
    path: z.string(),
    size: count,
    modifiedAt: z.number(),
    /** Download path on the HTTP server: record task artifacts, and files under `http_server.dir`; else null. */
    url: z.string().nullable(),
  }),
);

export const Delivery = named(
  'Delivery',
  z.object({
    seq: z.number().int(),
    at: z.number(),
    webhookId: z.string(),
    event: z.string(),
    dialect: z.string(),
    method: z.string(),
    url: z.string(),
    status: z.number().int().nullable(),
    answer: z.string(),
    latencyMs: z.number(),
    attempt: z.number().int(),
    outcome: z.enum(['allowed', 'refused', 'failed-open', 'delivered', 'retrying', 'rejected', 'expired']),
    detail: z.string(),
    contentType: z.string(),
    body: z.string(),
    replayOf: z.number().int().nullable(),
  }),
);

export const CallbackBlock = named(
  'CallbackBlock',
  z.object({
    vhost: z.string(),
    block: z.enum(['http_hooks', 'http_notify']),
    /** Set for a protocol's own notify block (`http_notify { rtmp { ... } }`). */
    protocol: z.enum(['rtmp', 'rtsp', 'srt', 'http_flv', 'hls']).optional(),
    dialect: z.enum(['srs', 'oryx', 'notify']),
    enabled: z.boolean(),
    /** Event name -> receiver URLs. */
    events: z.record(z.string(), z.array(z.string())),
    /** `<redacted>` when a signing secret is set, else empty. */
    secret: z.string(),
  }),
);

export const Figures = named(
  'Figures',
  z.object({
    at: z.number(),
    sessions: z.object({ total: count, byProtocol: z.record(z.string(), count), publishers: count, players: count }),
    streams: count,
    kbps: z.object({ in: z.number(), out: z.number() }),
    cpuPercent: z.number(),
    /** process.memoryUsage(): `external` is memory outside the JS heap that JS objects hold (Buffers). */
    memory: z.object({ rssBytes: count, heapUsedBytes: count, heapTotalBytes: count, externalBytes: count }),
    eventLoopLagMs: z.number(),
  }),
);

export const ServerInfo = named(
  'ServerInfo',
  z.object({
    version: z.string(),
    startedAt: z.number(),
    /** Bound ports (null when that listener is off): players are served on `http`/`https`. */
    listeners: z.object({ rtmp: z.number().nullable(), http: z.number().nullable(), https: z.number().nullable(), srt: z.number().nullable(), rtsp: z.number().nullable() }),
  }),
);

// Request bodies and queries.
export const RecordStart = named(
  'RecordStart',
  z.strictObject({ vhost: z.string().min(1).default('__defaultVhost__'), app: z.string().min(1), stream: z.string().min(1) }),
);
export const CallbackTest = named(
  'CallbackTest',
  z.strictObject({
    url: z.url({ protocol: /^https?$/ }),
    event: z.string().default('on_publish'),
    dialect: z.enum(['srs', 'notify', 'oryx']).default('srs'),
    param: z.string().default('?token=abc&salt=1'),
    secret: z.string().default(''),
    timeout: z.string().regex(/^\d+(ms|s)?$/).default('10s'),
  }),
);
export const CallbackTestResult = named(
  'CallbackTestResult',
  z.object({ ok: z.boolean(), verdict: z.string(), delivery: Delivery.nullable() }),
);

const limit = z.coerce.number().int().min(1).max(1000).default(100);
const offset = z.coerce.number().int().min(0).default(0);
export const SessionQuery = z.strictObject({
  protocol: z.string().optional(),
  /** A stream id (`vid-...`) or URL (`/app/stream`). */
  stream: z.string().optional(),
  kind: z.enum(['publish', 'play']).optional(),
});
export const DeliveryQuery = z.strictObject({
  event: z.string().optional(),
  outcome: Delivery.shape.outcome.optional(),
  url: z.string().optional(),
  /** Only calls that ended at or after this time: ms since the epoch, or an ISO date. */
  since: z.union([z.coerce.number().int().min(0), z.iso.datetime()]).optional(),
  limit,
  offset,
});
export const NoQuery = z.strictObject({});

// Answers of the collection routes.
export const StreamList = named('StreamList', z.object({ streams: z.array(Stream) }));
export const SessionList = named('SessionList', z.object({ sessions: z.array(Session) }));
export const Kicked = named('Kicked', z.object({ kicked: z.string() }));
export const RecordTaskList = named('RecordTaskList', z.object({ tasks: z.array(RecordTask) }));
export const RecordingList = named('RecordingList', z.object({ recordings: z.array(RecordingFile) }));
export const CallbackList = named('CallbackList', z.object({ callbacks: z.array(CallbackBlock) }));
export const DeliveryList = named(
  'DeliveryList',
  z.object({ deliveries: z.array(Delivery), offset: count, limit: count }),
);
export const EffectiveConfig = named('EffectiveConfig', z.object({ config: z.record(z.string(), z.unknown()) }));
export const ReloadResult = named(
  'ReloadResult',
  z.object({
    /** Random id of this reload. */
    id: z.string(),
    /** True when the new configuration is in force; false when it was refused and the running one kept. */
    applied: z.boolean(),
    /** Why it was refused (file, line, directive), or null. */
    error: z.string().nullable(),
    /** Settings that changed but apply only on restart. */
    restartOnly: z.array(z.string()),
  }),
);
export const FigureHistoryBody = named(
  'FigureHistory',
  z.object({ intervalMs: count, samples: z.array(Figures) }),
);
