// The pushes Sluice reports on its API (`GET /api/sluice/v1/relays`): state and bytes per target.

export interface PushInfo {
  url: string;
  state: string;
  lastError: string;
  bytes: number;
  connects: number;
}

export async function readPushes(apiPort: number): Promise<PushInfo[]> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/sluice/v1/relays`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { code?: number; data?: { pushes?: PushInfo[] } };
  if (!res.ok || body.code !== 0 || !Array.isArray(body.data?.pushes)) throw new Error(`GET /api/sluice/v1/relays answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body.data.pushes;
}

/** Mbit/s each target received between two readings `seconds` apart, in the order of `after`. */
export function pushMbps(before: PushInfo[], after: PushInfo[], seconds: number): number[] {
  return after.map((p) => ((p.bytes - (before.find((b) => b.url === p.url)?.bytes ?? 0)) * 8) / seconds / 1e6);
}
