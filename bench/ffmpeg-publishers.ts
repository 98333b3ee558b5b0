// Publishers of the ingest bench: one ffmpeg per stream sending the fixture at real-time pace
// (`-re -c copy`, looped), over RTMP (FLV), SRT (MPEG-TS) or RTSP (RTP). The same ffmpeg and the
// same file for every server and protocol.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startChild, stopChild } from './children.js';
import type { IngestProtocol, RtspTransport } from './ingest-servers.js';
import { PidsCpuMonitor } from './proc.js';

export interface PublishPorts {
  rtmp: number;
  srt: number;
  rtsp: number;
}

/** ffmpeg's arguments to publish `flvPath` as live/<stream>. */
export function publishArgs(protocol: IngestProtocol, ports: PublishPorts, stream: string, flvPath: string, transport: RtspTransport): string[] {
  const input = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-re', '-stream_loop', '-1', '-i', flvPath, '-c', 'copy'];
  if (protocol === 'rtmp') return [...input, '-f', 'flv', `rtmp://127.0.0.1:${ports.rtmp}/live/${stream}`];
  if (protocol === 'srt') return [...input, '-f', 'mpegts', `srt://127.0.0.1:${ports.srt}?streamid=#!::r=live/${stream},m=publish`];
  return [...input, '-f', 'rtsp', '-rtsp_transport', transport, `rtsp://127.0.0.1:${ports.rtsp}/live/${stream}`];
}

/** N ffmpeg publishers, each logging to its own file in `dir`. */
export class FfmpegPublishers {
  private readonly children: ChildProcess[];
  private monitor: PidsCpuMonitor | undefined;

  constructor(
    protocol: IngestProtocol,
    ports: PublishPorts,
    readonly streams: readonly string[],
    flvPath: string,
    transport: RtspTransport,
    private readonly dir: string,
  ) {
    this.children = streams.map((stream) => startChild('ffmpeg', publishArgs(protocol, ports, stream, flvPath, transport), this.logFile(stream)));
  }

  logFile(stream: string): string {
    return join(this.dir, `ffmpeg-${stream}.log`);
  }

  /** Streams whose ffmpeg has exited (refused, or the server went away). */
  exited(): string[] {
    return this.streams.filter((_, i) => this.children[i]!.exitCode !== null || this.children[i]!.signalCode !== null);
  }

  /** Starts measuring the publishers' own CPU (the load generators', not counted for the server). */
  startMonitor(): void {
    this.monitor = new PidsCpuMonitor(this.children.map((c) => c.pid ?? 0));
    this.monitor.start();
  }

  /** Summed CPU of all publishers over the monitored window, % of one core. */
  stopMonitor(): number {
    return this.monitor?.stop() ?? NaN;
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => stopChild(c)));
  }
}
