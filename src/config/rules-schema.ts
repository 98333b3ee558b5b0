import { z } from 'zod';
import { IpRange } from '../util/ip-range.js';

/**
 * Gate rules: protection without a callback server (Sluice extensions, except `security`, which
 * is SRS's). The secret and signed-URL blocks exist at the top level (every vhost) and per vhost
 * (replacing the top-level block for that vhost).
 */

/** Marks a list whose .conf directive may be repeated, each occurrence adding one entry. */
export const REPEATED = 'sluice:repeated-directive';

const required = (key: 'secret' | 'key') => (value: { enabled: boolean; secret?: string; key?: string }, ctx: z.RefinementCtx) => {
  if (value.enabled && !value[key]) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `${key} must be set when enabled` });
};

/** The rule blocks' schemas, each built once per configSchemas() build and shared where used. */
export function ruleSchemas() {
  const words = z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(/\s+/)).filter((word) => word !== ''))
    .default([]);

  /** Oryx-style stream secret: `?secret=S` in the URL, or appended to the stream name. */
  const streamSecret = z
    .object({
      enabled: z.boolean().default(false),
      secret: z.string().default(''),
      /** Apps it protects; empty protects every app. */
      apps: words,
    })
    .strict()
    .superRefine(required('secret'));

  /** Signed URLs with an expiry: `?expires=UNIX&sign=HMAC` and node-media-server's `?sign=EXPIRES-MD5`. */
  const signedUrls = z
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

  /** One `ACTION TARGET` rule: `publish 127.0.0.1`, `play 10.0.0.0/8`, `play all`. */
  const rule = z.string().superRefine((text, ctx) => {
    const [action, target, extra] = text.trim().split(/\s+/);
    const ok = (action === 'publish' || action === 'play') && target !== undefined && extra === undefined;
    if (!ok || (target !== 'all' && !IpRange.parse(target))) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected "publish|play all|IP|CIDR", got "${text}"` });
    }
  });
  const rules = z
    .union([rule, z.array(rule)])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .default([])
    .describe(REPEATED);

  /** SRS `security`: allow or deny publish and play by client address. */
  const security = z
    .object({
      enabled: z.boolean().default(false),
      allow: rules,
      deny: rules,
    })
    .strict()
    .default({});

  return { streamSecret, signedUrls, security };
}

type RuleSchemas = ReturnType<typeof ruleSchemas>;
export type StreamSecretConfig = z.output<RuleSchemas['streamSecret']>;
export type SignedUrlsConfig = z.output<RuleSchemas['signedUrls']>;
export type SecurityConfig = z.output<RuleSchemas['security']>;
