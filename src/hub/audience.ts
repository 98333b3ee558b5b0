/**
 * Audiences a reader may belong to, so a publish can be kept from some of them
 * (`StreamOptions.reaches`). The hub only compares these labels; what they mean is decided
 * where the policy is made. Readers without an audience are the stream's usual readers.
 */
export const Audience = {
  /** WebRTC players, and what feeds them (the Opus bridge). */
  webrtc: 'webrtc',
  /**
   * A relay of the stream to another worker: every publish reaches it, and the other worker's
   * hub keeps it from its own readers as this one would.
   */
  relay: 'relay',
} as const;
