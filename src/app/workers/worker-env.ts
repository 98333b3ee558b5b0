/** The environment variable that tells a forked process it is a worker, and what it needs to know. */
export const WORKER_ENV = 'CLUSTER_SLUICE_WORKER';

export interface WorkerEnv {
  /** 1-based; worker 1 also runs what must run once (ingests, configured pulls). */
  index: number;
  /** How many workers the server runs. */
  count: number;
  /** When the primary started, ms since the epoch. */
  startedAt: number;
  /** Where the workers' link sockets are. */
  linkDir: string;
  /** The server's ids, the same in every worker (API heads, stream ids). */
  serverId: string;
  serviceId: string;
  /** The SRT port every worker binds, shared (SO_REUSEPORT); set when SRT is enabled. */
  srtPort?: number;
  /** The WebRTC UDP port every worker binds, shared (SO_REUSEPORT); set when WebRTC is enabled. */
  rtcPort?: number;
}

/** A reload's outcome as it crosses IPC. */
export interface ReloadReport {
  id: string;
  error: string | undefined;
  restartOnly: string[];
}

export function workerEnv(env: NodeJS.ProcessEnv): WorkerEnv | undefined {
  const text = env[WORKER_ENV];
  return text ? (JSON.parse(text) as WorkerEnv) : undefined;
}
