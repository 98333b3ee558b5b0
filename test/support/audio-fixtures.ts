import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { audioSpecificConfig, readAdtsFrame } from '../../src/codecs/adts.js';
import { opusPacketSamples } from '../../src/codecs/opus.js';
import { OggPacketReader, oggPage } from '../../src/transcode/ogg.js';
import { opusHead } from '../../src/codecs/opus.js';
import type { AudioPacket } from '../../src/transcode/types.js';

const run = promisify(execFile);
const BUFFER = { encoding: 'buffer' as const, maxBuffer: 64 * 1024 * 1024 };

/** A sine tone encoded by ffmpeg as raw AAC frames, with its AudioSpecificConfig. */
export async function aacTone(seconds: number, sampleRate = 44100, channels = 2): Promise<{ config: Buffer; frames: Buffer[] }> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}`, '-t', String(seconds), '-ac', String(channels), '-c:a', 'aac', '-b:a', '64k', '-f', 'adts', 'pipe:1'], BUFFER);
  const frames: Buffer[] = [];
  let config: Buffer | undefined;
  for (let at = 0; at < stdout.length; ) {
    const frame = readAdtsFrame(stdout, at);
    if (!frame) throw new Error(`ffmpeg wrote bytes that are not ADTS at ${at}`);
    config ??= audioSpecificConfig(frame.config);
    frames.push(stdout.subarray(frame.dataOffset, frame.end));
    at = frame.end;
  }
  return { config: config!, frames };
}

/** A sine tone encoded by ffmpeg as 20 ms Opus packets. */
export async function opusTone(seconds: number, channels: 1 | 2 = 2): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds), '-ac', String(channels), '-c:a', 'libopus', '-frame_duration', '20', '-f', 'ogg', 'pipe:1'], BUFFER);
  const packets: Buffer[] = [];
  new OggPacketReader((packet) => {
    if (!packet.subarray(0, 4).equals(Buffer.from('Opus'))) packets.push(packet);
  }).push(stdout);
  return packets;
}

/** Opus packets put in an Ogg file, for ffmpeg to decode. */
export function oggOpusFile(packets: Buffer[], channels: 1 | 2): Buffer {
  let granule = 0n;
  let sequence = 0;
  const page = (headerType: number, packet: Buffer): Buffer => oggPage({ headerType, granule, serial: 1, sequence: sequence++, packet });
  const tags = Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(8)]);
  const pages = [page(0x02, opusHead(channels, 312)), page(0, tags)];
  packets.forEach((packet, i) => {
    granule += BigInt(opusPacketSamples(packet));
    pages.push(page(i === packets.length - 1 ? 0x04 : 0, packet));
  });
  return Buffer.concat(pages);
}

/**
 * Decodes a file with ffmpeg to 48 kHz mono PCM: its duration in seconds and what ffmpeg
 * complained about (nothing when it decodes cleanly).
 */
export async function decodedSeconds(path: string): Promise<{ seconds: number; errors: string }> {
  const { stdout, stderr } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', path, '-ac', '1', '-ar', '48000', '-f', 's16le', 'pipe:1'], BUFFER);
  return { seconds: stdout.length / 2 / 48000, errors: stderr.toString() };
}

/** Writes `frames` to `write` at `intervalMs` apart, with timestamps `frameMs` apart from `start`. */
export async function pace(frames: Buffer[], frameMs: number, start: number, intervalMs: number, write: (packet: AudioPacket) => void): Promise<void> {
  for (let i = 0; i < frames.length; i++) {
    write({ timestamp: start + Math.round(i * frameMs), data: frames[i]! });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** True while a process with that pid exists (a zombie included). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
