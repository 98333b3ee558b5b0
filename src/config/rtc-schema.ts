import { z } from 'zod';
import type { EndpointSchema } from './endpoint.js';

/**
 * SRS 7's `rtc_server` block: the WebRTC server (ICE-lite, DTLS-SRTP) on one UDP port. The
 * directives of conf/full.conf that Sluice does not act on are accepted and ignored.
 */
export function rtcServerSchema(endpoint: EndpointSchema) {
  return z
    .object({
      enabled: z.boolean().default(false),
      /** UDP port (or host:port) every WebRTC session shares. */
      listen: endpoint.default(8000),
      /**
       * Bytes of UDP receive buffer asked for the media socket (Sluice's own; SRS asks 10 MB too):
       * datagrams wait there while the event loop is busy. Linux grants at most `net.core.rmem_max`.
       */
      recv_buffer_size: z.number().int().min(65536).max(1 << 30).default(10 * 1024 * 1024),
      /**
       * The address put in the SDP candidates: an IP or host name, `$NAME` for an environment
       * variable, or `*` for every address of the machine's interfaces.
       */
      candidate: z.string().default('*'),
      /** With `candidate *`: leave loopback and link-local addresses out unless nothing else is up. */
      use_auto_detect_network_ip: z.boolean().default(true),
      ip_family: z.enum(['ipv4', 'ipv6', 'all']).default('ipv4'),
      /** Also offer the host the signalling request was sent to (its Host header), when it is an IP. */
      api_as_candidates: z.boolean().default(true),
      resolve_api_domain: z.boolean().default(true),
      keep_api_domain: z.boolean().default(false),
      protocol: z.enum(['udp', 'tcp', 'all']).default('udp'),
      tcp: z.object({ enabled: z.boolean().default(false), listen: endpoint.default(8000) }).strict().default({}),
      ecdsa: z.boolean().default(true),
      encrypt: z.boolean().default(true),
      reuseport: z.number().int().min(0).default(1),
      merge_nalus: z.boolean().default(false),
      black_hole: z.object({ enabled: z.boolean().default(false), addr: z.string().default('') }).strict().default({}),
    })
    .strict()
    // As SRS: TCP candidates need the TCP listener.
    .refine((rtc) => rtc.protocol !== 'tcp' || rtc.tcp.enabled, { message: 'protocol tcp needs tcp { enabled on; }', path: ['protocol'] })
    .default({});
}
export type RtcServerConfig = z.output<ReturnType<typeof rtcServerSchema>>;

/** SRS 7's vhost `rtc` block. */
export function rtcVhostSchema() {
  return z
    .object({
      enabled: z.boolean().default(false),
      /** Answer NACKs from players by resending from the stream's packet cache. */
      nack: z.boolean().default(true),
      nack_no_copy: z.boolean().default(true),
      /** Offer transport-wide congestion control feedback (else REMB) to publishers. */
      twcc: z.boolean().default(true),
      /** Seconds without a STUN consent check after which a session is closed. */
      stun_timeout: z.number().min(1).default(30),
      stun_strict_check: z.boolean().default(false),
      dtls_role: z.enum(['passive', 'active']).default('passive'),
      dtls_version: z.enum(['auto', 'dtls1.0', 'dtls1.2']).default('auto'),
      drop_for_pt: z.number().int().min(0).default(0),
      /** RTMP (and every other) publish plays over WebRTC. */
      rtmp_to_rtc: z.boolean().default(false),
      /** Keep B-frames for WebRTC players (browsers cannot decode them); off drops them. */
      keep_bframe: z.boolean().default(false),
      keep_avc_nalu_sei: z.boolean().default(true),
      opus_bitrate: z.number().int().min(6000).max(510000).default(48000),
      /** WebRTC publishes play over RTMP, HTTP-FLV, HLS, SRT and RTSP. */
      rtc_to_rtmp: z.boolean().default(false),
      /** Seconds between keyframe requests (PLI) to a WebRTC publisher bridged to RTMP. */
      pli_for_rtmp: z.number().min(0.5).max(30).default(6),
      aac_bitrate: z.number().int().min(8000).max(320000).default(48000),
    })
    .strict()
    .default({});
}
export type RtcVhostConfig = z.output<ReturnType<typeof rtcVhostSchema>>;
