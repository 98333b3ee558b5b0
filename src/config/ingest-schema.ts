import { z } from 'zod';

/**
 * SRS transcode `engine { }` as an ingest uses it: codecs and their settings for ffmpeg, and
 * the output. Disabled, or without vcodec or acodec, the streams are copied (`-c copy`).
 */
function engineSchema() {
  return z
    .object({
      enabled: z.boolean().default(false),
      /** Input format (`-f` before `-i`); empty lets ffmpeg probe. */
      iformat: z.string().default(''),
      /** `libx264`, `copy`, `vn` (no video), or any encoder the ffmpeg has. */
      vcodec: z.string().default(''),
      /** kbps. */
      vbitrate: z.number().min(0).default(0),
      vfps: z.number().min(0).default(0),
      vwidth: z.number().int().min(0).default(0),
      vheight: z.number().int().min(0).default(0),
      vthreads: z.number().int().min(0).default(0),
      vprofile: z.string().default(''),
      vpreset: z.string().default(''),
      /** `aac`, `libfdk_aac`, `copy`, `an` (no audio), or any encoder the ffmpeg has. */
      acodec: z.string().default(''),
      /** kbps. */
      abitrate: z.number().min(0).default(0),
      asample_rate: z.number().int().min(0).default(0),
      achannels: z.number().int().min(0).default(0),
      oformat: z.string().default('flv'),
      /** Where ffmpeg publishes; `[vhost]`, `[port]` (this server's RTMP port) and the date parts are filled in. */
      output: z.string().default(''),
    })
    .strict();
}
export type EngineConfig = z.output<ReturnType<typeof engineSchema>>;

/** SRS `ingest NAME { }`: ffmpeg run and supervised by the server, publishing what it reads. */
export function ingestSchema() {
  return z
    .object({
      enabled: z.boolean().default(false),
      input: z
        .object({
          /** `file` is read at its own pace (`-re`), `stream` as it arrives. */
          type: z.enum(['file', 'stream', 'device']).default('file'),
          url: z.string().default(''),
        })
        .strict()
        .default({}),
      /** The ffmpeg binary (a path, or a name looked up in PATH). */
      ffmpeg: z.string().min(1).default('ffmpeg'),
      engine: engineSchema().default({}),
    })
    .strict()
    .superRefine((ingest, ctx) => {
      if (!ingest.enabled) return;
      if (ingest.input.type === 'device') ctx.addIssue({ code: 'custom', path: ['input', 'type'], message: 'device input is not supported' });
      if (ingest.input.url === '') ctx.addIssue({ code: 'custom', path: ['input', 'url'], message: 'an enabled ingest needs an input url' });
      if (ingest.engine.output === '') ctx.addIssue({ code: 'custom', path: ['engine', 'output'], message: 'an enabled ingest needs an engine output' });
    });
}
export type IngestConfig = z.output<ReturnType<typeof ingestSchema>>;
