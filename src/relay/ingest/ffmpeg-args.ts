import type { IngestConfig } from '../../config/ingest-schema.js';
import { renderTemplate } from '../../util/path-template.js';

/** The output URL of an ingest: `[vhost]`, `[port]` and SRS's date parts filled in. */
export function ingestOutput(ingest: IngestConfig, vhost: string, rtmpPort: number): string {
  const withPort = ingest.engine.output.replace(/\[port\]/g, String(rtmpPort));
  return renderTemplate(withPort, { vhost, app: '[app]', stream: '[stream]' });
}

/**
 * ffmpeg's arguments for an ingest, in the order SRS builds them: `-re` for a file, the input,
 * then either `-c copy` (engine off, or no vcodec or acodec) or the engine's codecs and settings,
 * then the output format and URL.
 */
export function ffmpegArgs(ingest: IngestConfig, output: string): string[] {
  const { input, engine } = ingest;
  const args: string[] = [];
  if (input.type === 'file') args.push('-re');
  if (engine.iformat) args.push('-f', engine.iformat);
  args.push('-i', input.url);
  if (!engine.enabled || !engine.vcodec || !engine.acodec) {
    args.push('-c', 'copy');
  } else {
    args.push(...videoArgs(ingest), ...audioArgs(ingest));
  }
  args.push('-f', engine.oformat || 'flv', '-y', output);
  return args;
}

function videoArgs({ engine: e }: IngestConfig): string[] {
  if (e.vcodec === 'vn') return ['-vn'];
  const args = ['-vcodec', e.vcodec];
  if (e.vcodec === 'copy') return args;
  if (e.vbitrate > 0) args.push('-b:v', String(e.vbitrate * 1000));
  if (e.vfps > 0) args.push('-r', String(e.vfps));
  if (e.vwidth > 0 && e.vheight > 0) args.push('-s', `${e.vwidth}x${e.vheight}`);
  if (e.vprofile) args.push('-profile:v', e.vprofile);
  if (e.vpreset) args.push('-preset', e.vpreset);
  if (e.vthreads > 0) args.push('-threads', String(e.vthreads));
  return args;
}

function audioArgs({ engine: e }: IngestConfig): string[] {
  if (e.acodec === 'an') return ['-an'];
  const args = ['-acodec', e.acodec];
  if (e.acodec === 'copy') return args;
  if (e.abitrate > 0) args.push('-b:a', String(e.abitrate * 1000));
  if (e.asample_rate > 0) args.push('-ar', String(e.asample_rate));
  if (e.achannels > 0) args.push('-ac', String(e.achannels));
  return args;
}
