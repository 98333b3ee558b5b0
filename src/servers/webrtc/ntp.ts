const NTP_EPOCH_OFFSET_S = 2_208_988_800; // 1900-01-01 to 1970-01-01

/** Unix ms as NTP's seconds and fraction (RFC 3550 4). */
export function ntpTime(unixMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(unixMs / 1000) + NTP_EPOCH_OFFSET_S;
  const fraction = Math.floor(((unixMs % 1000) / 1000) * 0x1_0000_0000);
  return { seconds: seconds >>> 0, fraction: Math.min(fraction, 0xffffffff) >>> 0 };
}

/** The middle 32 bits of an NTP time: what receiver reports echo as LSR. */
export function ntpMiddle(unixMs: number): number {
  const { seconds, fraction } = ntpTime(unixMs);
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** Round trip from a report block's LSR and DLSR (RFC 3550 6.4.1), in ms; undefined without an SR echoed. */
export function roundTripMs(lastSr: number, delaySinceLastSr: number, nowMs: number): number | undefined {
  if (lastSr === 0) return undefined;
  const units = (ntpMiddle(nowMs) - lastSr - delaySinceLastSr) >>> 0;
  const ms = (units * 1000) / 65536;
  return ms < 60_000 ? ms : undefined;
}
