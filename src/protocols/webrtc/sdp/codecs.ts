import type { SdpCodec, SdpMedia } from './types.js';

/** The default H.264 profile when nothing is asked: Constrained Baseline, level 3.1. */
export const DEFAULT_H264_PROFILE = '42e01f';
const FEEDBACK = new Set(['nack', 'nack pli', 'ccm fir', 'transport-cc', 'goog-remb']);

/**
 * The H.264 profile a profile-level-id names (RFC 6184 8.1, as libwebrtc groups them): profile_idc
 * with the constraint flags that matter, so that 42e01f and 42c01e compare equal.
 */
export function h264Profile(profileLevelId: string | undefined): string {
  if (!profileLevelId || !/^[0-9a-fA-F]{6}$/.test(profileLevelId)) return 'unknown';
  const idc = parseInt(profileLevelId.slice(0, 2), 16);
  const iop = parseInt(profileLevelId.slice(2, 4), 16);
  if ((idc === 0x42 && iop & 0x40) || (idc === 0x4d && iop & 0x80) || (idc === 0x58 && (iop & 0xc0) === 0xc0)) return 'constrained-baseline';
  if (idc === 0x42 || idc === 0x58) return 'baseline';
  if (idc === 0x4d) return 'main';
  if (idc === 0x64) return (iop & 0x0c) === 0x0c ? 'constrained-high' : 'high';
  return `idc-${idc}`;
}

/** The offered H.264 payload type with packetization-mode 1 that best fits the wanted profile. */
function chooseH264(candidates: SdpCodec[], wanted: string | undefined): SdpCodec | undefined {
  const mode1 = candidates.filter((c) => c.fmtp['packetization-mode'] === '1');
  const target = h264Profile(wanted ?? DEFAULT_H264_PROFILE);
  const sameProfile = (c: SdpCodec) => h264Profile(c.fmtp['profile-level-id'] ?? '42000a') === target;
  return mode1.find(sameProfile) ?? mode1.find((c) => h264Profile(c.fmtp['profile-level-id']) === 'constrained-baseline') ?? mode1[0];
}

/** The codec of this section we take, by our preference list (encoding names, case-insensitive). */
export function chooseCodec(media: SdpMedia, preference: string[], h264ProfileLevelId?: string): SdpCodec | undefined {
  for (const name of preference) {
    const wanted = name.toLowerCase();
    // Chrome M90-M97 called AV1 "AV1X".
    const offered = media.codecs.filter((c) => c.name.toLowerCase() === wanted || (wanted === 'av1' && c.name.toLowerCase() === 'av1x'));
    if (offered.length === 0) continue;
    if (wanted === 'h264') {
      const h264 = chooseH264(offered, h264ProfileLevelId);
      if (h264) return h264;
      continue;
    }
    if (wanted === 'opus') return offered.find((c) => c.clockRate === 48000 && c.channels === 2) ?? offered[0];
    // The main profile of each where the offer has several: 8-bit 4:2:0, what every decoder takes.
    const main = MAIN_PROFILE[wanted];
    return (main && offered.find((c) => (c.fmtp[main.key] ?? main.value) === main.value)) ?? offered[0];
  }
  return undefined;
}

/** VP9 profile-id 0 (RFC 9628 6), AV1 profile 0 (AV1 RTP spec 7.2), H.265 profile-id 1, Main (RFC 7798 7.1). */
const MAIN_PROFILE: Record<string, { key: string; value: string }> = {
  vp9: { key: 'profile-id', value: '0' },
  av1: { key: 'profile', value: '0' },
  h265: { key: 'profile-id', value: '1' },
};

/** The RTX payload type offered for this one (RFC 4588 8.6: fmtp apt=<pt>). */
export function rtxFor(media: SdpMedia, payloadType: number): SdpCodec | undefined {
  return media.codecs.find((c) => c.name.toLowerCase() === 'rtx' && c.fmtp.apt === String(payloadType));
}

/** The feedback we answer: what was offered and we act on; audio gets transport-cc only. */
export function agreedFeedback(codec: SdpCodec, kind: string): string[] {
  return codec.rtcpFb.filter((fb) => FEEDBACK.has(fb) && (kind === 'video' || fb === 'transport-cc'));
}

/** The fmtp we answer for a codec: ours for Opus, the offer's otherwise (its profile is the one chosen). */
export function answerFmtp(codec: SdpCodec): Record<string, string> {
  if (codec.name.toLowerCase() === 'opus') return { minptime: '10', useinbandfec: '1' };
  return { ...codec.fmtp };
}
