import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  stderr(): string;
  stop(): Promise<number | null>;
}

function start(command: string, args: string[]): RunningProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-8000);
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface TestPatternOptions {
  size?: string;
  /** Frames between keyframes (25 fps). */
  gop?: number;
  /** Without video: an audio-only stream. */
  video?: boolean;
  audio?: 'aac' | 'mp3';
  /** The container sent to `url`: FLV for RTMP (the default), MPEG-TS for SRT, RTSP (over TCP). */
  container?: 'flv' | 'mpegts' | 'rtsp';
}

/** Publishes a generated H.264/AAC test pattern in real time for `seconds`. */
export function publishTestPattern(url: string, seconds: number, options: TestPatternOptions = {}): RunningProcess {
  const video = options.video === false ? [] : [
    '-f', 'lavfi', '-i', `testsrc2=size=${options.size ?? '320x240'}:rate=25`,
  ];
  const videoCodec = options.video === false ? [] : [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(options.gop ?? 25), '-pix_fmt', 'yuv420p',
  ];
  const audioCodec = options.audio === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '64k'] : ['-c:a', 'aac', '-b:a', '64k'];
  return start('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-re',
    ...video,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds),
    ...videoCodec,
    ...audioCodec,
    '-f', options.container ?? 'flv',
    ...(options.container === 'rtsp' ? ['-rtsp_transport', 'tcp'] : []),
    url,
  ]);
}

/** Plays `url` with ffmpeg for `seconds` and copies what it received into `file`; `input` options (a 15 s read timeout unless given) go before `-i`. */
export function playToFile(url: string, seconds: number, file: string, input = ['-rw_timeout', '15000000']): RunningProcess {
  return start('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...input, '-i', url, '-t', String(seconds), '-c', 'copy', '-y', file]);
}

/** Plays a live stream with rtmpdump (librtmp) into `file`, interrupting it after `seconds`. */
export function rtmpdump(url: string, seconds: number, file: string): RunningProcess {
  const dump = start('rtmpdump', ['-q', '--live', '-r', url, '-o', file]);
  const timer = setTimeout(() => dump.child.kill('SIGINT'), seconds * 1000);
  void dump.exited.then(() => clearTimeout(timer));
  return dump;
}

export interface ProbeResult {
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string; start_time?: string }>;
  format: { duration?: string };
}

/** How far apart the first video and audio packets start, in seconds. */
export function startGap(probe: ProbeResult): number {
  const video = probe.streams.find((s) => s.codec_type === 'video');
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  return Math.abs(Number(video?.start_time) - Number(audio?.start_time));
}

export async function ffprobe(file: string): Promise<ProbeResult> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as ProbeResult;
}

/** Decodes every frame; resolves with ffmpeg's error output (empty when the file decodes cleanly). */
/** Decoder complaints over the file, or over its first `seconds` (for a capture cut mid-frame when its client was stopped). */
export async function decodeErrors(file: string, seconds?: number): Promise<string> {
  const limit = seconds === undefined ? [] : ['-t', String(seconds)];
  const { stderr } = await run('ffmpeg', ['-v', 'error', ...limit, '-i', file, '-f', 'null', '-']);
  return stderr;
}

/** Packets whose decode time goes back, per stream, in a capture. */
export async function timestampsGoingBack(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=stream_index,dts_time', '-of', 'csv=p=0', file], { maxBuffer: 16 * 1024 * 1024 });
  const last = new Map<string, number>();
  let back = 0;
  for (const line of stdout.trim().split('\n')) {
    const [index, dts] = line.split(',');
    const time = Number(dts);
    if (Number.isNaN(time)) continue;
    if (time < (last.get(index!) ?? -Infinity)) back++;
    last.set(index!, time);
  }
  return back;
}

/** Runs a client (ffmpeg, srt-live-transmit...) to its end, killed after a minute; its stdout goes to `stdoutFile` when given. */
export function runToEnd(command: string, args: string[], stdoutFile?: string): Promise<{ code: number | null; stderr: string }> {
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const child = spawn(command, args, { stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-8000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}
