/**
 * The gate's view of a client session. Every protocol server fills one of these in and passes
 * it to the gate for each publish and play; callback dialects read what they need from it.
 */
/** Pulls and virtual live are publishers Sluice itself runs: `rtmp-pull`, `flv-pull` (HTTP-FLV), `hls-pull`, `virtual-live` (a looped file). */
export type Protocol = 'rtmp' | 'http-flv' | 'ws-flv' | 'hls' | 'srt' | 'rtsp' | 'webrtc' | 'rtmp-pull' | 'flv-pull' | 'hls-pull' | 'virtual-live';

export interface PlayOptions {
  /** RTMP play `start` argument (-2 live-or-recorded, -1 live, >= 0 seconds). */
  start: number;
  duration: number;
  reset: boolean;
}

export interface ClientSession {
  /** Short random id, unique for the life of the process (SRS style). */
  readonly id: string;
  readonly protocol: Protocol;
  readonly ip: string;
  readonly vhost: string;
  readonly app: string;
  /** Stream name without the query; the gate may rename it (notify dialect's 3xx). */
  stream: string;
  /** The query of the stream name or URL including its leading `?`, or `''`. */
  param: string;
  /** RTMP tcUrl, or what SRS reports for HTTP protocols (`rtmp://{vhost}/{app}` for HTTP-FLV). */
  readonly tcUrl: string;
  /**
   * The tcUrl as the client spelled it, with the host it used (`http://{Host}/{app}` for
   * HTTP-FLV); the notify dialect's `tcurl`. Absent when it is `tcUrl`.
   */
  readonly clientTcUrl?: string;
  readonly pageUrl: string;
  readonly swfUrl: string;
  readonly flashVer: string;
  /** The full URL the client asked for. */
  readonly requestUrl: string;
  /** When the session started, ms since the epoch. */
  readonly startedAt: number;
  /** Set by the server for a play; absent for a publish. */
  playOptions?: PlayOptions;
  bytesSent(): number;
  bytesReceived(): number;
  /** Ends the session from outside (for example when a periodic update is refused). */
  terminate(reason: string): void;
}

/** What the gate grants. */
export interface Admission {
  /** Set when the gate renamed the stream; the session continues under this name. */
  stream?: string;
  /** A publish to push to this `rtmp://` URL as well (notify dialect's 3xx to on_publish). */
  relayTo?: string;
  /** A play whose stream is pulled from this `rtmp://` URL first (notify dialect's 3xx to on_play). */
  pullFrom?: string;
}

/**
 * The one gate every publish and play of every protocol passes through, before any media or
 * success status reaches the client. Refusals are thrown as AccessDenied.
 * The informational methods never block media: they return at once and deliver in the background.
 */
export interface Gate {
  /** RTMP `connect` command received; the stream is not known yet. */
  connect(session: ClientSession): Promise<void>;
  publish(session: ClientSession): Promise<Admission>;
  play(session: ClientSession): Promise<Admission>;
  /** A publish that was admitted has ended. */
  unpublished(session: ClientSession): void;
  /** A play that was admitted has ended. */
  stopped(session: ClientSession): void;
  /** The client connection is gone (after unpublished/stopped). */
  closed(session: ClientSession): void;
}

/** A recording (DVR file, record task) has started. */
export interface RecordingStarted {
  /** The publisher whose stream is recorded. */
  session: ClientSession;
  /** Id of the record task (Oryx `uuid`). */
  uuid: string;
}

/** A recording file is closed and complete. */
export interface RecordingFinished extends RecordingStarted {
  /** Working directory of the server (SRS `cwd`). */
  cwd: string;
  /** Path of the file written (SRS `file`, nginx `path`, Oryx `artifact_path`). */
  file: string;
  /** nginx-rtmp recorder name; `''` for the default recorder. */
  recorder?: string;
  /** Where the file can be fetched (Oryx `artifact_url`); `''` when not served. */
  url?: string;
  /** 0 when the recording ended normally (Oryx `artifact_code`). */
  code?: number;
}

/** An HLS segment is closed (SRS on_hls, then on_hls_notify). */
export interface HlsSegmentClosed {
  session: ClientSession;
  /** Seconds of media in the segment. */
  duration: number;
  cwd: string;
  /** Path of the .ts file. */
  file: string;
  /** The segment's URL relative to the HTTP root, e.g. `live/livestream-0.ts`. */
  url: string;
  /** Path of the playlist. */
  m3u8: string;
  /** The playlist's URL relative to the HTTP root, e.g. `live/livestream.m3u8`. */
  m3u8Url: string;
  seqNo: number;
  /** How much of the on_hls_notify answer to read (SRS `hls_nb_notify`). */
  notifyAnswerBytes: number;
}

/**
 * What the recorder and HLS segmenter report; informational like `unpublished`, it returns at
 * once and each callback is delivered in the background.
 */
export interface RecordingEvents {
  recordingStarted(info: RecordingStarted): void;
  recordingFinished(info: RecordingFinished): void;
  hlsSegment(info: HlsSegmentClosed): void;
}
