// What a server says it received, per stream, from the SRS-style `GET /api/v1/streams/` that
// both Sluice and SRS answer: to check that every publisher's media arrived, at what rate.

export interface StreamStat {
  name: string;
  active: boolean;
  recvBytes: number;
  hasVideo: boolean;
  hasAudio: boolean;
}

interface ApiStream {
  name?: string;
  recv_bytes?: number;
  publish?: { active?: boolean };
  video?: unknown;
  audio?: unknown;
}

/** The streams the server lists, by name; throws when the API does not answer as SRS does. */
export async function readStreamStats(apiPort: number): Promise<Map<string, StreamStat>> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/streams/?count=1000`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { code?: number; streams?: ApiStream[] };
  if (!res.ok || body.code !== 0 || !Array.isArray(body.streams)) throw new Error(`GET /api/v1/streams/ answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  const stats = new Map<string, StreamStat>();
  for (const s of body.streams) {
    if (!s.name) continue;
    stats.set(s.name, { name: s.name, active: s.publish?.active === true, recvBytes: s.recv_bytes ?? 0, hasVideo: !!s.video, hasAudio: !!s.audio });
  }
  return stats;
}

/** Megabits per second each stream received between two readings `seconds` apart, by name. */
export function receivedMbps(before: Map<string, StreamStat>, after: Map<string, StreamStat>, seconds: number): Map<string, number> {
  const rates = new Map<string, number>();
  for (const [name, s] of after) rates.set(name, ((s.recvBytes - (before.get(name)?.recvBytes ?? 0)) * 8) / seconds / 1e6);
  return rates;
}
