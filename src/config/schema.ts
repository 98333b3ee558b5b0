import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { endpointSchema } from './endpoint.js';
import { rtcServerSchema, rtcVhostSchema } from './rtc-schema.js';
import { ingestSchema } from './ingest-schema.js';
import { ruleSchemas } from './rules-schema.js';
import { checkUdpPortsApart } from './udp-ports.js';

export type { Endpoint } from './endpoint.js';

const DEFAULT_VHOST_NAME = '__defaultVhost__';
export const DEFAULT_VHOST = DEFAULT_VHOST_NAME;

/** Protocols that may have a notify block of their own (Happytime configures one per protocol). */
export const NOTIFY_PROTOCOLS = ['rtmp', 'rtsp', 'srt', 'http_flv', 'hls'] as const;
export type NotifyProtocol = (typeof NOTIFY_PROTOCOLS)[number];

/**
 * The one configuration schema. Sluice's YAML maps onto it directly; SRS `.conf` files are
 * translated to the same shape (directive names are kept, so `vhost x { play { gop_cache on; } }`
 * becomes `vhosts.x.play.gop_cache: true`). Every field has a default, so `{}` is a full config.
 *
 * Built on demand (configSchemas()), not when the module loads: its zod objects and the methods
 * zod binds to each take about a megabyte of heap in every process, and the schema is needed
 * only while a config, a pull or a restream target is read.
 */
function buildSchemas() {
  const endpoint = endpointSchema();
  const rules = ruleSchemas();

  const publishSchema = z
    .object({
      /** Ms a new publisher may take to send its first audio or video before it is closed. */
      firstpkt_timeout: z.number().int().min(100).default(20000),
      /** Ms a publisher may go silent before it is closed. */
      normal_timeout: z.number().int().min(100).default(5000),
      /**
       * Merged read (SRS `mr`): after a small read from an RTMP publisher, wait mr_latency ms before
       * reading again, so the kernel hands over many packets per read. Fewer reads cost less CPU
       * per stream; each stream gains up to mr_latency of latency and buffers that much media.
       */
      mr: z.boolean().default(false),
      mr_latency: z.number().int().min(0).max(5000).default(350),
    })
    .strict()
    .refine(
      (publish) => !publish.mr || (publish.mr_latency < publish.firstpkt_timeout && publish.mr_latency < publish.normal_timeout),
      'mr_latency must be shorter than firstpkt_timeout and normal_timeout (a publisher waiting to be read would be taken for a silent one)',
    )
    .default({});

  const playSchema = z
    .object({
      /** Send new players the current GOP at once. */
      gop_cache: z.boolean().default(true),
      /** Upper bound on the frames kept in the GOP cache (bounds memory for very long GOPs). */
      gop_cache_max_frames: z.number().int().min(1).default(2500),
      /**
       * Upper bound on the bytes kept in the GOP cache (Sluice extension). A GOP that grows past
       * either bound is dropped; new players then start at the next keyframe.
       */
      gop_cache_max_bytes: z.number().int().min(1024).default(32 * 1024 * 1024),
      /** Seconds of media a player may lag behind before it skips to the next keyframe. */
      queue_length: z.number().min(0.1).default(10),
      /**
       * Merged-write window in ms: a player's frames are coalesced and written once per window.
       * Fewer writes per player is what fan-out costs; 0 writes at once (lowest latency).
       */
      mw_latency: z.number().int().min(0).max(2000).default(20),
    })
    .strict()
    .default({});

  const httpRemuxSchema = z
    .object({
      enabled: z.boolean().default(true),
      /** URL template of HTTP-FLV / WebSocket-FLV streams. */
      mount: z.string().default('[vhost]/[app]/[stream].flv'),
    })
    .strict()
    .default({});

  /** HLS output (SRS `hls` block). Times are in seconds, as in SRS. */
  const hlsSchema = z
    .object({
      enabled: z.boolean().default(false),
      /** Directory the playlists and segments are written under. */
      hls_path: z.string().default('./html'),
      /** Target segment duration: a segment is cut at the first keyframe after this. */
      hls_fragment: z.number().positive().default(10),
      /** Cut segments only at video keyframes, so each one decodes on its own (off: at any frame). */
      hls_wait_keyframe: z.boolean().default(true),
      /** Seconds of segments the playlist keeps. */
      hls_window: z.number().positive().default(60),
      /** Playlist path template under hls_path: [vhost] [app] [stream]. */
      hls_m3u8_file: z.string().default('[app]/[stream].m3u8'),
      /** Segment path template: [app] [stream] [seq] [timestamp] [2006] [01] [02] [15] [04] [05] [999]. */
      hls_ts_file: z.string().default('[app]/[stream]-[seq].ts'),
      /** Delete segments that left the playlist. */
      hls_cleanup: z.boolean().default(true),
      /** Seconds after unpublish when the playlist and segments are removed (0: never). */
      hls_dispose: z.number().min(0).default(120),
      /** Bytes of the on_hls_notify answer read (SRS compatibility). */
      hls_nb_notify: z.number().int().min(0).default(64),
      /** Written before each segment URL in the playlist (for example a CDN base URL). */
      hls_entry_prefix: z.string().default(''),
      /** Track each viewer as a session (master playlist with ?hls_ctx=ID; on_play / on_stop once). */
      hls_ctx: z.boolean().default(true),
      /** EXT-X-TARGETDURATION is at least hls_fragment × hls_td_ratio (the longest segment if longer). */
      hls_td_ratio: z.number().min(1).default(1.5),
      /** Audio in the segments: aac or mp3 (the stream's own codec is carried either way), an (none). */
      hls_acodec: z.enum(['aac', 'mp3', 'an']).default('aac'),
      /** Video in the segments: h264 (the stream's own H.264/H.265 is carried), vn (none: audio-only HLS). */
      hls_vcodec: z.enum(['h264', 'vn']).default('h264'),
    })
    .strict()
    .default({});

  /**
   * A duration: a number of seconds, or text such as `30s`, `500ms`, `2m`, `24h`. Output: milliseconds.
   */
  const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
    const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    const match = typeof value === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    const ms = typeof value === 'number' ? value * 1000 : match ? Number(match[1]) * UNITS[match[2] ?? 's']! : NaN;
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected seconds or a duration like 30s, 500ms, 24h; got "${value}"` });
      return z.NEVER;
    }
    return Math.round(ms);
  });

  /** SRS `https` inside http_server / http_api: the same routes over TLS on a second port. */
  function httpsSchema(port: number) {
    return z
      .object({
        enabled: z.boolean().default(false),
        listen: endpoint.default(port),
        /** PEM private key and certificate (chain); read at start and by reloadCertificate(). */
        key: z.string().default('./conf/server.key'),
        cert: z.string().default('./conf/server.crt'),
      })
      .strict()
      .default({});
  }

  /** One word or several (space-separated in .conf files): URLs, called in order, or event names. */
  const listSchema = z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(/\s+/)).filter((url) => url !== ''))
    .default([]);

  /** Settings every callback block shares (Sluice extensions to the peers' directives). */
  const callbackCommon = {
    enabled: z.boolean().default(false),
    /** Longest wait for an answer, per URL. */
    timeout: durationSchema.default(10),
    /** Events whose gate allows when the receiver is unreachable or too slow (fail closed otherwise). */
    fail_open: listSchema,
    /** Signs every call (Standard Webhooks); `whsec_<base64>` or plain text. */
    secret: z.string().default(''),
    /** How long an informational event is retried before it is given up. */
    outbox_max_age: durationSchema.default('24h'),
    /** At shutdown, how long the last events (on_stop, on_close ...) may take to go out before exit. */
    outbox_shutdown_wait: durationSchema.default('3s'),
    /** PEM file of extra CAs trusted for https:// receivers (besides the system's); '' for none. */
    ca_file: z.string().default(''),
  };

  /** SRS `http_hooks` (dialect srs, the default) or Oryx callbacks (dialect oryx). */
  const httpHooksSchema = z
    .object({
      ...callbackCommon,
      dialect: z.enum(['srs', 'oryx']).default('srs'),
      /** Oryx: the token sent as `opaque` so the receiver can tell the call is genuine. */
      opaque: z.string().default(''),
      on_connect: listSchema,
      on_close: listSchema,
      on_publish: listSchema,
      on_unpublish: listSchema,
      on_play: listSchema,
      on_stop: listSchema,
      on_dvr: listSchema,
      on_hls: listSchema,
      /** GET URL template: [server_id] [service_id] [app] [stream] [ts_url] [param]. */
      on_hls_notify: listSchema,
      on_record_begin: listSchema,
      on_record_end: listSchema,
    })
    .strict()
    .default({});

  /** The settings of one nginx-rtmp / Happytime notify block. */
  const notifyFields = {
    ...callbackCommon,
    /** Any case: Happytime's document writes `POST`, nginx-rtmp's `post`. */
    notify_method: z
      .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(['post', 'get']))
      .default('post'),
    /** Period of on_update while a session lives. */
    notify_update_timeout: durationSchema.default(30),
    /** End the session also when on_update cannot reach the receiver (not only on a refusal). */
    notify_update_strict: z.boolean().default(false),
    on_connect: listSchema,
    on_publish: listSchema,
    on_play: listSchema,
    on_done: listSchema,
    on_publish_done: listSchema,
    on_play_done: listSchema,
    on_record_done: listSchema,
    on_update: listSchema,
  };

  /** An SRT passphrase (libsrt: 10 to 79 characters), '' for none. */
  const srtPassphrase = z
    .string()
    .refine((value) => value === '' || (value.length >= 10 && value.length <= 79), 'an SRT passphrase has 10 to 79 characters')
    .default('');


  /** A protocol's block: what it does not set comes from the vhost's block (`enabled` included). */
  const notifyOverride = z.object(notifyFields).partial().strict().optional();

  /**
   * nginx-rtmp / Happytime form-encoded notifications: the vhost's block, and optionally a block
   * per protocol inside it. Output: the vhost's settings, and each protocol block written,
   * resolved over the vhost's.
   */
  const httpNotifySchema = z
    .object({ ...notifyFields, ...Object.fromEntries(NOTIFY_PROTOCOLS.map((p) => [p, notifyOverride])) } as typeof notifyFields &
      Record<NotifyProtocol, typeof notifyOverride>)
    .strict()
    .transform((block) => {
      const { rtmp, rtsp, srt, http_flv, hls, ...base } = block;
      const overrides = { rtmp, rtsp, srt, http_flv, hls };
      const protocols: Partial<Record<NotifyProtocol, typeof base>> = {};
      for (const protocol of NOTIFY_PROTOCOLS) {
        const override = overrides[protocol];
        if (override) protocols[protocol] = { ...base, ...definedOnly(override) };
      }
      return { ...base, ...protocols };
    })
    .default({});





  /** SRS `dvr`: record each publish to FLV or MP4 files (the extension of dvr_path decides). */
  const dvrSchema = z
    .object({
      enabled: z.boolean().default(false),
      /** File template: [app] [stream] [timestamp] [2006] [01] [02] [15] [04] [05] [999]. */
      dvr_path: z.string().default('./objs/dvr/[app]/[stream].[timestamp].flv'),
      /** session: one file per publish; segment: a new file every dvr_duration. */
      dvr_plan: z.enum(['session', 'segment']).default('session'),
      /** Seconds per file (plan segment). */
      dvr_duration: z.number().positive().default(30),
      /** Start each segment at a video keyframe. */
      dvr_wait_keyframe: z.boolean().default(true),
      /** Streams to record: `all`, or `app/stream` names. */
      dvr_apply: listSchema.default('all'),
    })
    .strict()
    .default({});

  /** One restream platform: every publish of `app` (and `stream`, when set) is pushed to `server`/`key`. */
  const restreamTargetSchema = z
    .object({
      id: z.string().regex(/^[\w-]{1,64}$/, 'letters, digits, _ and - only').optional(),
      /** What the operator calls it (`YouTube`, `Twitch`). */
      name: z.string().max(200).default(''),
      app: z.string().min(1),
      /** One stream of the app; empty: every stream of it. */
      stream: z.string().default(''),
      /** The platform's server URL, `rtmp://` or `rtmps://` (`rtmp://a.rtmp.youtube.com/live2`). */
      server: z.string().regex(/^rtmps?:\/\/[^/]+\/.+/i, 'an rtmp:// or rtmps:// URL with an app'),
      /** The stream key, appended to the server URL. */
      key: z.string().min(1),
      enabled: z.boolean().default(true),
    })
    .strict();

  /**
   * nginx-rtmp `push`: every publish of the vhost is pushed to each `rtmp://HOST/APP[/NAME]`, under
   * the published name unless the URL names one.
   */
  const pushSchema = listSchema.pipe(z.array(z.string().regex(/^rtmps?:\/\/[^/]+\/[^/?]+/i, 'an rtmp:// or rtmps:// URL with an app')));

  /** SRS `forward`: every publish of the vhost is pushed to other servers, same app and stream. */
  const forwardSchema = z
    .object({
      enabled: z.boolean().default(false),
      /** SRS's `host:port` list (port 1935 when left out). */
      destination: listSchema,
      /** SRS on_forward backend: asked at each publish, answers `{"code":0,"data":{"urls":[...]}}`. */
      backend: z.string().default(''),
    })
    .strict()
    .default({});

  /** Sluice record tasks (Oryx style): every publish of the listed apps becomes `<record_path>/<uuid>.mp4`. */
  const recordSchema = z
    .object({
      enabled: z.boolean().default(false),
      /** Apps whose streams are recorded. */
      apps: listSchema,
      record_path: z.string().default('./objs/record'),
    })
    .strict()
    .default({});

  const vhostSchema = z
    .object({
      enabled: z.boolean().default(true),
      /** RTMP chunk size this server sends with, for this vhost's players. */
      chunk_size: z.number().int().min(128).max(65536).optional(),
      /**
       * TCP_NODELAY on an RTMP publisher's or player's socket once its publish or play starts (SRS:
       * off). Off, the kernel joins small writes while earlier ones are unacknowledged: fewer
       * packets, and less CPU when every frame is written at once (`mw_latency 0`).
       */
      tcp_nodelay: z.boolean().default(false),
      publish: publishSchema,
      play: playSchema,
      http_remux: httpRemuxSchema,
      hls: hlsSchema,
      /** WebRTC for this vhost (SRS 7's `rtc` block). */
      rtc: rtcVhostSchema(),
      http_hooks: httpHooksSchema,
      http_notify: httpNotifySchema,
      dvr: dvrSchema,
      record: recordSchema,
      forward: forwardSchema,
      push: pushSchema,
      /** SRS `ingest NAME { }`: supervised ffmpeg processes that publish into this server. */
      ingests: z.record(z.string(), ingestSchema()).default({}),
      security: rules.security,
      /** Gate rules of this vhost; unset, the top-level block applies. */
      publish_secret: rules.streamSecret.optional(),
      play_secret: rules.streamSecret.optional(),
      signed_urls: rules.signedUrls.optional(),
    })
    .strict();


  /** One pull (SRS ingest, nginx-rtmp pull), from the config or the API. */
  const pullSchema = z
    .object({
      /** `rtmp://`, `rtmps://`, or `http(s)://`: HLS when the path ends in `.m3u8`, FLV otherwise. */
      url: z.string().regex(/^(rtmps?|https?):\/\//i, 'an rtmp://, rtmps://, http:// or https:// URL'),
      vhost: z.string().default(DEFAULT_VHOST_NAME),
      app: z.string().min(1),
      stream: z.string().min(1),
    })
    .strict();

  const configSchema = z
    .object({
      /** RTMP listen addresses. */
      listen: z
        .union([endpoint, z.array(endpoint)])
        .transform((v) => (Array.isArray(v) ? v : [v]))
        .default(1935),
      max_connections: z.number().int().min(1).default(1000),
      /**
       * Server processes: a primary that serves no media and this many workers that share the
       * ports (docs/WORKERS.md). 0 (default): one per core, a single process on a one-core
       * machine; 1: a single process, no primary.
       */
      workers: z.number().int().min(0).max(256).default(0),
      /**
       * RTMP connections not yet admitted to publish or play (handshaking, connected, or waiting
       * for the gate); more are refused. Default: half of max_connections.
       */
      max_pending_connections: z.number().int().min(1).optional(),
      /** Accepted for SRS compatibility; Sluice always runs in the foreground. */
      daemon: z.boolean().default(false),
      pid: z.string().default(''),
      /** Durable state: server id, callback outbox, delivery log. */
      data_dir: z.string().default('./data'),
      log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      /** Default RTMP chunk size sent to clients (SRS uses 60000). */
      chunk_size: z.number().int().min(128).max(65536).default(60000),
      /**
       * Seconds a new connection has to complete the RTMP handshake and connect command, and then
       * again to publish or play (also after it stops a stream but stays connected).
       */
      handshake_timeout: z.number().min(1).default(10),
      /** Largest RTMP message accepted from a client, in bytes. */
      max_message_size: z.number().int().min(1024).max(16 * 1024 * 1024).default(4 * 1024 * 1024),
      http_api: z
        .object({
          enabled: z.boolean().default(true),
          listen: endpoint.default(1985),
          /** CORS headers for browsers (requests with an Origin) and OPTIONS preflights answered, as SRS. */
          crossdomain: z.boolean().default(true),
          /** SRS's raw API: `GET /api/v1/raw?rpc=reload` reloads the configuration when both are on. */
          raw_api: z
            .object({
              enabled: z.boolean().default(false),
              allow_reload: z.boolean().default(false),
              /** Accepted for SRS compatibility; always off, as in SRS 7. */
              allow_query: z.boolean().default(false),
              allow_update: z.boolean().default(false),
            })
            .strict()
            .default({}),
          /** HTTP Basic authentication of every /api/ path (SRS 7 `http_api { auth { } }`). */
          auth: z
            .object({ enabled: z.boolean().default(false), username: z.string().default(''), password: z.string().default('') })
            .strict()
            .default({}),
          https: httpsSchema(1990),
          /**
           * Bearer tokens of Sluice's own API (/api/sluice/v1/); any one of them is accepted. With
           * none, that API answers only clients on loopback.
           */
          api_token: z.array(z.string().min(1)).default([]),
        })
        .strict()
        .default({}),
      http_server: z
        .object({
          enabled: z.boolean().default(true),
          listen: endpoint.default(8080),
          dir: z.string().default('./html'),
          https: httpsSchema(8088),
        })
        .strict()
        .default({}),
      /** SRS `exporter`: Prometheus metrics on a listener of their own (they are always on the API's /metrics). */
      exporter: z
        .object({
          enabled: z.boolean().default(false),
          listen: endpoint.default(9972),
          /** Reported as labels of sluice_build_info, to tell servers of a cluster apart. */
          label: z.string().default(''),
          tag: z.string().default(''),
        })
        .strict()
        .default({}),
      /** SRT listener (SRS 7's `srt_server` block; directives Sluice does not use are accepted). */
      srt_server: z
        .object({
          enabled: z.boolean().default(false),
          /** UDP port (or host:port). */
          listen: endpoint.default(10080),
          /** Output rate cap per player in bytes/s; -1 is libsrt's "unlimited" (1 Gbps), 0 the same here. */
          maxbw: z.number().int().min(-1).default(-1),
          mss: z.number().int().min(76).max(1500).default(1500),
          /** Ms a peer may stay silent before its connection is closed. */
          peer_idle_timeout: z.number().int().min(1000).default(5000),
          connect_timeout: z.number().int().min(0).default(3000),
          /** App for stream ids without one (`livestream` -> `live/livestream`). */
          default_app: z.string().min(1).default('live'),
          /** Used when a client sends no stream id. */
          default_streamid: z.string().default('#!::r=live/livestream,m=publish'),
          /** Sets both recvlatency and peerlatency, in ms. */
          latency: z.number().int().min(0).max(65535).optional(),
          /** Latency Sluice asks of a player's receiver, in ms (the peer's own wins if larger). */
          peerlatency: z.number().int().min(0).max(65535).optional(),
          /** Latency Sluice keeps as a receiver of a publisher, in ms. */
          recvlatency: z.number().int().min(0).max(65535).optional(),
          tsbpdmode: z.boolean().default(true),
          tlpktdrop: z.boolean().default(true),
          sendbuf: z.number().int().min(0).optional(),
          recvbuf: z.number().int().min(0).optional(),
          payloadsize: z.number().int().min(188).max(1456).default(1316),
          /** AES-CTR encryption: every caller must use this passphrase (libsrt: 10 to 79 characters); '' for none. */
          passphrase: srtPassphrase,
          /** Streams (`app/stream`) with their own passphrase in place of the server's; '' serves one in clear. */
          streams: z.record(z.string(), z.object({ passphrase: srtPassphrase }).strict()).default({}),
          /** Key length advertised to callers that set none (0: theirs, libsrt's default 16); a caller's own wins. */
          pbkeylen: z.union([z.literal(0), z.literal(16), z.literal(24), z.literal(32)]).default(0),
        })
        .strict()
        .default({}),
      /** WebRTC server (SRS 7's `rtc_server` block): WHIP/WHEP and SRS's RTC API, media on one UDP port. */
      rtc_server: rtcServerSchema(endpoint),
      /** RTSP 1.0 server (a Sluice setting: SRS 7 has none). Publish with ANNOUNCE/RECORD, play with DESCRIBE/PLAY. */
      rtsp_server: z
        .object({
          enabled: z.boolean().default(false),
          /** TCP port (or host:port) for RTSP requests and interleaved RTP. */
          listen: endpoint.default(8554),
          /** Offer RTP over UDP (a shared port pair: rtp_port, and rtp_port + 1 for RTCP; under workers, one pair per worker). */
          udp: z.boolean().default(true),
          /**
           * The server's UDP port for RTP; RTCP uses the next one. 0 picks a free pair. Under workers,
           * worker k binds rtp_port + 2(k-1). 8002: 8000 is WebRTC's (rtc_server, as in SRS).
           */
          rtp_port: z.number().int().min(0).max(65534).default(8002),
          /** Seconds a session may stay silent (no request, no RTP/RTCP) before it is closed; sent as `Session: id;timeout=N`. */
          session_timeout: z.number().int().min(5).max(3600).default(60),
          /** Answer a refused client that sent no credentials with 401 and a challenge instead of 403: on (or basic), digest, off. */
          auth_challenge: z.union([z.boolean(), z.enum(['basic', 'digest'])]).default(false),
          /** Bytes of one request's headers, and of its body. */
          max_request_bytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
        })
        .strict()
        .default({}),
      /** Pushes out (forward, restream): how they connect and retry (Sluice extension). */
      relay: z
        .object({
          /** Each step of a connection to a target (TCP/TLS, handshake, connect, publish) must finish within this. */
          connect_timeout: durationSchema.default(10),
          /** First retry delay after a target fails; it doubles up to retry_max, with jitter. */
          retry_initial: durationSchema.default(1),
          retry_max: durationSchema.default(30),
          /** A connection that stayed up this long starts the next retries from retry_initial again. */
          retry_reset: durationSchema.default(60),
          /** PEM file of extra certificate authorities trusted for rtmps:// targets (the system's are always trusted). */
          tls_ca: z.string().default(''),
          /** Streams pulled in and published here (SRS ingest, nginx-rtmp pull), YAML only. */
          pull: z.array(pullSchema).default([]),
          /** Virtual live: FLV or MP4 (H.264 + AAC) files of `dir` played as live streams, looped (YAML only). */
          virtual_live: z
            .object({
              dir: z.string().default('./videos'),
              streams: z
                .array(
                  z
                    .object({
                      /** A file inside `dir`; a path that leads outside it is refused. */
                      file: z.string().min(1),
                      vhost: z.string().default(DEFAULT_VHOST_NAME),
                      app: z.string().min(1),
                      stream: z.string().min(1),
                    })
                    .strict(),
                )
                .default([]),
            })
            .strict()
            .default({}),
          /** Restream targets (YAML only); the API adds more, all kept in `<data_dir>/relays.json`. */
          restream: z.array(restreamTargetSchema).default([]),
        })
        .strict()
        .default({}),
      /** Gate rules of every vhost that does not set its own. */
      publish_secret: rules.streamSecret.default({}),
      play_secret: rules.streamSecret.default({}),
      signed_urls: rules.signedUrls.default({}),
      vhosts: z.record(z.string(), vhostSchema).default({}),
    })
    .strict()
    .transform((config, ctx) => {
      checkUdpPortsApart(config, workerCount(config), ctx);
      return {
        ...config,
        vhosts: { [DEFAULT_VHOST]: vhostSchema.parse({}), ...config.vhosts } as Record<string, z.output<typeof vhostSchema>>,
      };
    });

  return { config: configSchema, vhost: vhostSchema, pull: pullSchema, restreamTarget: restreamTargetSchema };
}

export type ConfigSchemas = ReturnType<typeof buildSchemas>;

let built: WeakRef<ConfigSchemas> | undefined;

/** The schemas, built on first use and again after the garbage collector took them. */
export function configSchemas(): ConfigSchemas {
  let schemas = built?.deref();
  if (!schemas) {
    schemas = buildSchemas();
    built = new WeakRef(schemas);
  }
  return schemas;
}

/** A full config from its input: defaults filled in; throws the schema's error if it is invalid. */
export function parseConfig(input: unknown): SluiceConfig {
  return configSchemas().config.parse(input);
}

export type SluiceConfig = z.output<ConfigSchemas['config']>;
export type SluiceConfigInput = z.input<ConfigSchemas['config']>;
export type VhostConfig = z.output<ConfigSchemas['vhost']>;
export type PullConfig = z.output<ConfigSchemas['pull']>;
export type HlsConfig = VhostConfig['hls'];
export type HttpsConfig = SluiceConfig['http_api']['https'];
export type HttpHooksConfig = VhostConfig['http_hooks'];
export type HttpNotifyConfig = VhostConfig['http_notify'];
export type HttpNotifyBlock = Omit<HttpNotifyConfig, NotifyProtocol>;
export type DvrConfig = VhostConfig['dvr'];
export type ForwardConfig = VhostConfig['forward'];
export type RecordConfig = VhostConfig['record'];

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The protocol blocks of a vhost's `http_notify`. */
export function notifyProtocolBlocks(config: HttpNotifyConfig): Array<[NotifyProtocol, HttpNotifyBlock]> {
  return NOTIFY_PROTOCOLS.flatMap((protocol) => {
    const block = config[protocol];
    return block ? [[protocol, block] as [NotifyProtocol, HttpNotifyBlock]] : [];
  });
}

/** Every notify block of a vhost: its own, then each protocol's. */
export function notifyBlocks(config: HttpNotifyConfig): HttpNotifyBlock[] {
  return [config, ...notifyProtocolBlocks(config).map(([, block]) => block)];
}

/** The worker processes `workers` asks for: 0 is one per core. */
export function workerCount(config: Pick<SluiceConfig, 'workers'>): number {
  return config.workers === 0 ? availableParallelism() : config.workers;
}
