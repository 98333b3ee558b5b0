// HTTP-FLV players for `npm run bench:flv`, in a child process of their own (so their CPU is not
// the bench's): each GETs the stream, checks the FLV signature and counts the bytes it reads.
// Talks to the bench over IPC: 'ready' once all have answered, 'report' (bytes per player since
// 'mark') when asked.
import { get, Agent, type IncomingMessage } from 'node:http';

export type FlvPlayersMessage =
  | { type: 'ready'; connected: number; failed: number; firstError?: string }
  | { type: 'report'; bytes: number[]; closed: number; seconds: number }
  | { type: 'error'; message: string };

const CONNECT_TIMEOUT_MS = 15_000;

interface Player {
  bytes: number;
  closed: boolean;
}

function play(port: number, path: string, agent: Agent): Promise<Player> {
  return new Promise((resolve, reject) => {
    const request = get({ host: '127.0.0.1', port, path, agent }, (response: IncomingMessage) => {
      if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
      const player: Player = { bytes: 0, closed: false };
      let signed = false;
      response.on('data', (data: Buffer) => {
        if (!signed) {
          signed = true;
          if (data.toString('latin1', 0, 3) !== 'FLV') request.destroy(new Error('not an FLV body'));
        }
        player.bytes += data.length;
      });
      response.on('close', () => (player.closed = true));
      resolve(player);
    });
    request.setTimeout(CONNECT_TIMEOUT_MS, () => request.destroy(new Error('no answer')));
    request.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [port, path, count, batch] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4]), Number(process.argv[5])];
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const players: Player[] = [];
  let failed = 0;
  let firstError: string | undefined;
  for (let at = 0; at < count; at += batch) {
    const settled = await Promise.allSettled(Array.from({ length: Math.min(batch, count - at) }, () => play(port, path, agent)));
    for (const s of settled) {
      if (s.status === 'fulfilled') players.push(s.value);
      else (failed++, (firstError ??= String(s.reason)));
    }
  }
  send({ type: 'ready', connected: players.length, failed, ...(firstError && { firstError }) });
  let markedAt = performance.now();
  process.on('message', (message: { type: string }) => {
    if (message.type === 'mark') {
      for (const p of players) p.bytes = 0;
      markedAt = performance.now();
    } else if (message.type === 'report') {
      send({ type: 'report', bytes: players.map((p) => p.bytes), closed: players.filter((p) => p.closed).length, seconds: (performance.now() - markedAt) / 1000 });
    }
  });
}

function send(message: FlvPlayersMessage): void {
  process.send!(message);
}

main().catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
