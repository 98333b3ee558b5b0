// Messages between the bench driver and the load process (over Node's IPC channel).

export interface LoadConfig {
  port: number;
  app: string;
  stream: string;
  players: number;
  batch: number;
  flvPath: string;
  warmupSeconds: number;
  seconds: number;
}

export interface LoadSummary {
  playersConnected: number;
  playersFailed: number;
  /** Why players failed to start, as "count x reason". */
  failures: string[];
  /** Players whose connection ended before the end of the window. */
  playersLost: number;
  /** Published audio + video payload rate within the window. */
  publishedKbps: number;
  playerKbpsMin: number;
  playerKbpsMedian: number;
  /** Players that received at least 95 % of the published rate. */
  playersAtFullRate: number;
  /** Video frames every player should have received, summed over players. */
  framesExpected: number;
  framesMissed: number;
  /** Video frames that arrived in the window but matched no published timestamp. */
  framesUnmatched: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  latencySamples: number;
  /** 99th percentile of the load process's event-loop delay: how late it may notice a frame. */
  loopDelayP99Ms: number;
  /** Seconds it took to connect all players. */
  connectSeconds: number;
}

/** Driver to load: open the window now. */
export interface StartMessage {
  type: 'start';
}

/** Load to driver. */
export type LoadMessage =
  | { type: 'ready'; connected: number; failures: string[] }
  | { type: 'result'; summary: LoadSummary }
  | { type: 'error'; message: string };

/** `npm run bench:gate`: players arriving in a burst, each timed to its first media message. */
export interface BurstConfig {
  port: number;
  app: string;
  stream: string;
  flvPath: string;
  players: number;
  /** The players' starts are spread evenly over this many ms. */
  spreadMs: number;
}

export interface BurstSummary {
  playersStarted: number;
  /** Why players got no media, as "count x reason". */
  failures: string[];
  /** Per player that got media: ms from its TCP connect to its first audio or video message, sorted. */
  firstMediaMs: number[];
}

/** Burst load process to driver. */
export type BurstMessage = { type: 'result'; summary: BurstSummary } | { type: 'error'; message: string };

/** A soak player without media for longer than this is stalled. */
export const STALL_MS = 5000;

/** Soak driver to load process: report now; `closeMinute` also ends the current minute's latency. */
export interface SoakSampleRequest {
  type: 'sample';
  closeMinute: boolean;
}

/** Latency and the load process's own event-loop delay over one minute (or what was left of it). */
export interface SoakMinute {
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  latencySamples: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export interface SoakSample {
  type: 'sample';
  /** Players still connected, and those whose media stopped more than 5 s ago. */
  playersConnected: number;
  playersStalledNow: number;
  /** Audio + video payload bytes all players received since the window opened. */
  bytesReceived: number;
  minute?: SoakMinute;
}

/** One player at the end of a soak run. */
export interface SoakPlayer {
  bytes: number;
  frames: number;
  /** The longest stretch without media in the window, ms. */
  longestGapMs: number;
  lost: boolean;
  /** Seconds into the window when the connection ended, if lost. */
  lostAfterSeconds?: number;
}

export interface SoakResult {
  type: 'soak-result';
  publishedBytes: number;
  /** Video frames the publisher sent in the window. */
  publishedFrames: number;
  players: SoakPlayer[];
}

/** Soak driver to load process: close the window and send the per-player result. */
export interface SoakFinish {
  type: 'finish';
}

export type SoakMessage = LoadMessage | SoakSample | SoakResult;
