// What the receivers of one server saw in the window, summed and as percentiles.
import type { WhepReceiver } from './receiver.js';

export interface ReceiverSummary {
  receiversOk: number;
  receiversFailed: number;
  /** First failures' reasons, for the report. */
  errors: string[];
  packets: number;
  bytes: number;
  lost: number;
  nacksSent: number;
  undecryptable: number;
  /** Each packet's arrival against its RTP timestamp, above the least seen on its stream (ms). */
  delayP50Ms: number;
  delayP99Ms: number;
  /** RFC 3550 interarrival jitter averaged over every stream (ms). */
  jitterMs: number;
  /** Median per-receiver bitrate over the window. */
  kbpsMedian: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(receivers: readonly WhepReceiver[], seconds: number): ReceiverSummary {
  const s: ReceiverSummary = {
    receiversOk: 0, receiversFailed: 0, errors: [], packets: 0, bytes: 0, lost: 0, nacksSent: 0, undecryptable: 0,
    delayP50Ms: NaN, delayP99Ms: NaN, jitterMs: NaN, kbpsMedian: NaN,
  };
  const delays: number[] = [];
  const jitters: number[] = [];
  const kbps: number[] = [];
  for (const r of receivers) {
    const tracks = [...r.tracks.values()];
    const bytes = tracks.reduce((sum, t) => sum + t.bytes, 0);
    if (r.state !== 'media' || bytes === 0) {
      s.receiversFailed++;
      if (s.errors.length < 3) s.errors.push(r.error ?? `state ${r.state}, ${bytes} bytes`);
      continue;
    }
    s.receiversOk++;
    s.undecryptable += r.undecryptable;
    kbps.push((8 * bytes) / 1000 / seconds);
    for (const t of tracks) {
      s.packets += t.packets;
      s.bytes += t.bytes;
      s.lost += t.lost;
      s.nacksSent += t.nacksSent;
      jitters.push((1000 * t.jitter) / t.clockRate);
      let least = Infinity;
      for (const o of t.offsetsMs) least = Math.min(least, o);
      for (const o of t.offsetsMs) delays.push(o - least);
    }
  }
  const sorted = Float64Array.from(delays).sort();
  s.delayP50Ms = percentile(sorted, 50);
  s.delayP99Ms = percentile(sorted, 99);
  s.jitterMs = jitters.length ? jitters.reduce((a, b) => a + b, 0) / jitters.length : NaN;
  s.kbpsMedian = percentile(Float64Array.from(kbps).sort(), 50);
  return s;
}
