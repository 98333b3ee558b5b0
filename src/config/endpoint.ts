import { z } from 'zod';

/** `1935`, `"1935"`, `"127.0.0.1:1935"` or `"[::1]:1935"`. */
export function endpointSchema() {
  return z.union([z.number().int(), z.string()]).transform((value, ctx) => {
    const text = String(value).trim();
    const match = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(text);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 0 || port > 65535) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a port or host:port, got "${text}"` });
      return z.NEVER;
    }
    return { host: match[1] ?? match[2] ?? '0.0.0.0', port };
  });
}
export type EndpointSchema = ReturnType<typeof endpointSchema>;
export type Endpoint = z.output<EndpointSchema>;
