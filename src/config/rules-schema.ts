import { z } from 'zod';
import { IpRange } from '../util/ip-range.js';

/**
 * Gate rules: protection without a callback server (Sluice extensions, except `security`, which
 * is SRS's). The secret and signed-URL blocks exist at the top level (every vhost) and per vhost
 * (replacing the top-level block for that vhost).
 */

/** Marks a list whose .conf directive may be repeated, each occurrence adding one entry. */
export const REPEATED = 'sluice:repeated-directive';

const words = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(/\s+/)).filter((word) => word !== ''))
  .default([]);

const required = (key: 'secret' | 'key') => (value: { enabled: boolean; secret?: string; key?: string }, ctx: z.RefinementCtx) => {
  if (value.enabled && !value[key]) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `${key} must be set when enabled` });
};

/** Oryx-style stream secret: `?secret=S` in the URL, or appended to the stream name. */
export const streamSecretSchema = z
  .object({
    enabled: z.boolean().default(false),
    secret: z.string().default(''),
    /** Apps it protects; empty protects every app. */
    apps: words,
  })
  .strict()
  .superRefine(required('secret'));
export type StreamSecretConfig = z.output<typeof streamSecretSchema>;

/** Signed URLs with an expiry: `?expires=UNIX&sign=HMAC` and node-media-server's `?sign=EXPIRES-MD5`. */
export const signedUrlsSchema = z
  .object({
    enabled: z.boolean().default(false),
    key: z.string().default(''),
    /** Require a signature to publish. */
    publish: z.boolean().default(true),
    /** Require a signature to play. */
    play: z.boolean().default(true),
    /** Also accept node-media-server's `?sign=EXPIRES-MD5HEX`. */
    nms_sign: z.boolean().default(true),
    /** Apps it protects; empty protects every app. */
    apps: words,
  })
  .strict()
  .superRefine(required('key'));
export type SignedUrlsConfig = z.output<typeof signedUrlsSchema>;

/** One `ACTION TARGET` rule: `publish 127.0.0.1`, `play 10.0.0.0/8`, `play all`. */
const ruleSchema = z.string().superRefine((rule, ctx) => {
  const [action, target, extra] = rule.trim().split(/\s+/);
  const ok = (action === 'publish' || action === 'play') && target !== undefined && extra === undefined;
  if (!ok || (target !== 'all' && !IpRange.parse(target))) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected "publish|play all|IP|CIDR", got "${rule}"` });
  }
});
const rulesSchema = z
  .union([ruleSchema, z.array(ruleSchema)])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .default([])
  .describe(REPEATED);

/** SRS `security`: allow or deny publish and play by client address. */
export const securitySchema = z
  .object({
    enabled: z.boolean().default(false),
    allow: rulesSchema,
    deny: rulesSchema,
  })
  .strict()
  .default({});
export type SecurityConfig = z.output<typeof securitySchema>;
