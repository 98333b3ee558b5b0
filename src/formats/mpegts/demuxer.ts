import type { MediaFrame } from '../../media/frame.js';
import { ProtocolError } from '../../util/errors.js';
import { AudioTrack } from './audio-track.js';
import { PID_PAT, TS_PACKET_SIZE, STREAM_TYPE_AAC, STREAM_TYPE_H264, STREAM_TYPE_HEVC, STREAM_TYPE_MPEG1_AUDIO, STREAM_TYPE_MPEG2_AUDIO } from './constants.js';
import { PacketSync } from './packet-sync.js';
import { PesAssembler, pesDecodeTime, type Pes } from './pes-reader.js';
import { readPat, readPmt, SectionAssembler, type Pmt, type PmtEntry } from './psi-reader.js';
import { tickDelta, TimestampMapper } from './timestamps.js';
import { VideoTrack } from './video-track.js';

export interface TsDemuxerEvents {
  /** Frames in decode order per track, with monotonic timestamps per track. */
  onFrame(frame: MediaFrame): void;
  /** Damage the demuxer worked around (lost packets, bad tables, unparsable data). */
  onWarning?(message: string): void;
}

const STREAM_TYPE_PRIVATE = 0x06;
const OPUS_CHANNEL_CONFIG = 0x80; // extension descriptor tag of the Opus channel configuration

/** One elementary stream being demuxed. */
interface Track {
  entry: PmtEntry;
  es: VideoTrack | AudioTrack;
  pes: PesAssembler;
  cc: number | undefined;
  lastTimestamp: number;
}

/**
 * A push-based MPEG-TS demuxer into hub frames (for SRT ingest and HLS pull): `push` any split
 * of the byte stream, `end` at its end. Follows the first program of the PAT and the first
 * video and audio stream of its PMT that Sluice can carry (H.264, H.265, AAC, MP3, Opus).
 * Damage is reported through `onWarning` and skipped; only input that is no transport stream
 * at all throws ProtocolError. State is bounded: at most two tracks and one 8 MiB PES each.
 */
export class TsDemuxer {
  private readonly sync: PacketSync;
  private readonly clock = new TimestampMapper();
  private readonly pat: SectionAssembler;
  private pmtPid: number | undefined;
  private pmt: SectionAssembler | undefined;
  private pmtVersion: number | undefined;
  private readonly tracks = new Map<number, Track>();
  private patCc: number | undefined;
  private pmtCc: number | undefined;

  constructor(private readonly events: TsDemuxerEvents) {
    this.sync = new PacketSync((data, start) => this.packet(data, start));
    this.pat = new SectionAssembler((section) => this.onPat(section));
  }

  push(chunk: Buffer): void {
    this.sync.push(chunk);
  }

  /** Hands over what is still buffered: the last video frame, whose PES has no declared length. */
  end(): void {
    this.sync.end();
    for (const track of this.tracks.values()) track.pes.flush();
  }

  private warn(message: string): void {
    this.events.onWarning?.(message);
  }

  /** The transport packet at `start` in `d`: read in place; a media payload is copied from there, with no view. */
  private packet(d: Buffer, start: number): void {
    if (d[start + 1]! & 0x80) return; // transport_error_indicator: a receiver marked it damaged
    const pid = d.readUInt16BE(start + 1) & 0x1fff;
    const control = (d[start + 3]! >> 4) & 0x03;
    const cc = d[start + 3]! & 0x0f;
    let at = 4;
    let discontinuity = false;
    if (control & 0x02) {
      const length = d[start + 4]!;
      if (length > 183) {
        this.warn(`adaptation field of ${length} bytes on PID ${pid}`);
        return;
      }
      discontinuity = length > 0 && (d[start + 5]! & 0x80) !== 0;
      at = 5 + length;
    }
    if (!(control & 0x01) || at >= TS_PACKET_SIZE) return; // no payload: the counter does not move
    const from = start + at;
    const to = start + TS_PACKET_SIZE;
    const unitStart = (d[start + 1]! & 0x40) !== 0;
    if (pid === PID_PAT) {
      if (this.continuity(this.patCc, cc, discontinuity, pid) === 'duplicate') return;
      this.patCc = cc;
      if (this.pat.push(d.subarray(from, to), unitStart)) this.warn('PAT with a bad CRC');
    } else if (pid === this.pmtPid && this.pmt) {
      if (this.continuity(this.pmtCc, cc, discontinuity, pid) === 'duplicate') return;
      this.pmtCc = cc;
      if (this.pmt.push(d.subarray(from, to), unitStart)) this.warn('PMT with a bad CRC');
    } else {
      const track = this.tracks.get(pid);
      if (!track) return;
      const state = this.continuity(track.cc, cc, discontinuity, pid);
      if (state === 'duplicate') return;
      track.cc = cc;
      if (state === 'lost') {
        track.pes.reset();
        if (track.es instanceof VideoTrack) track.es.lostData();
      }
      if (unitStart) {
        const dts = pesDecodeTime(d, from, to);
        if (dts !== undefined) this.clock.anchor(dts);
      }
      track.pes.push(d, from, to, unitStart);
    }
  }

  /** Checks a PID's continuity counter: a repeat is a duplicate packet, a gap lost packets. */
  private continuity(last: number | undefined, cc: number, discontinuity: boolean, pid: number): 'ok' | 'duplicate' | 'lost' {
    if (last === undefined || discontinuity || cc === ((last + 1) & 0x0f)) return 'ok';
    if (cc === last) return 'duplicate';
    this.warn(`continuity error on PID ${pid}: ${cc} after ${last}, partial PES dropped`);
    return 'lost';
  }

  private onPat(section: Buffer): void {
    const pmtPid = readPat(section);
    if (pmtPid === undefined || pmtPid === this.pmtPid) return;
    this.pmtPid = pmtPid;
    this.pmtCc = undefined;
    this.pmtVersion = undefined;
    this.pmt = new SectionAssembler((s) => this.onPmt(s));
  }

  private onPmt(section: Buffer): void {
    const pmt = readPmt(section);
    if (!pmt || pmt.version === this.pmtVersion) return;
    this.pmtVersion = pmt.version;
    this.selectTracks(pmt);
  }

  /** Keeps the tracks the new PMT still lists with the same type, and starts the new ones. */
  private selectTracks(pmt: Pmt): void {
    const video = pmt.streams.find((s) => videoCodec(s) !== undefined);
    const audio = pmt.streams.find((s) => audioCodec(s) !== undefined);
    const wanted = [video, audio].filter((s): s is PmtEntry => s !== undefined);
    for (const [pid, track] of this.tracks) {
      const same = wanted.find((s) => s.pid === pid && s.streamType === track.entry.streamType);
      if (!same) {
        track.pes.flush();
        this.tracks.delete(pid);
      }
    }
    for (const entry of wanted) if (!this.tracks.has(entry.pid)) this.tracks.set(entry.pid, this.newTrack(entry));
    const skipped = pmt.streams.filter((s) => !wanted.includes(s)).map((s) => `0x${s.streamType.toString(16)}`);
    if (skipped.length > 0) this.warn(`PMT streams not carried (stream types ${skipped.join(', ')})`);
  }

  private newTrack(entry: PmtEntry): Track {
    const codec = videoCodec(entry);
    const es = codec ? new VideoTrack(codec) : new AudioTrack(audioCodec(entry)!, (m) => this.warn(m), opusChannels(entry));
    const pes = new PesAssembler(
      (pes) => this.onPes(track, pes),
      (reason) => {
        this.warn(`PES on PID ${entry.pid} dropped: ${reason}`);
        if (es instanceof VideoTrack) es.lostData();
      },
    );
    const track: Track = { entry, es, pes, cc: undefined, lastTimestamp: 0 };
    return track;
  }

  private onPes(track: Track, pes: Pes): void {
    let frames: MediaFrame[];
    try {
      if (track.es instanceof VideoTrack) {
        const cts = Math.round(tickDelta(pes.dts, pes.pts) / 90);
        frames = track.es.frames(pes.payload, this.clock.map(pes.dts), cts);
      } else {
        frames = track.es.frames(pes.payload, pes.pts, (ticks) => this.clock.map(ticks));
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.warn(`PES on PID ${track.entry.pid} dropped: ${err.message}`);
      if (track.es instanceof VideoTrack) track.es.lostData();
      return;
    }
    for (const frame of frames) {
      // Decode order per track never goes back in time, whatever the stream's clock did.
      const timestamp = Math.max(track.lastTimestamp, frame.timestamp);
      track.lastTimestamp = timestamp;
      this.events.onFrame(timestamp === frame.timestamp ? frame : { ...frame, timestamp });
    }
  }
}

function videoCodec(entry: PmtEntry): 'H264' | 'HEVC' | undefined {
  if (entry.streamType === STREAM_TYPE_H264) return 'H264';
  if (entry.streamType === STREAM_TYPE_HEVC) return 'HEVC';
  return undefined;
}

function audioCodec(entry: PmtEntry): 'AAC' | 'MP3' | 'Opus' | undefined {
  if (entry.streamType === STREAM_TYPE_AAC) return 'AAC';
  if (entry.streamType === STREAM_TYPE_MPEG1_AUDIO || entry.streamType === STREAM_TYPE_MPEG2_AUDIO) return 'MP3';
  if (entry.streamType === STREAM_TYPE_PRIVATE && entry.registration === 'Opus' && opusChannels(entry) !== undefined) return 'Opus';
  return undefined;
}

/** Mono or stereo from the Opus channel configuration descriptor (stereo when absent); others are not carried. */
function opusChannels(entry: PmtEntry): 1 | 2 | undefined {
  const config = entry.extensions.get(OPUS_CHANNEL_CONFIG);
  const code = config?.[0] ?? 2;
  return code === 1 || code === 2 ? code : undefined;
}
