import { crc32Mpeg } from './crc32.js';

/** PSI sections are at most 1024 bytes (section_length 1021 for PAT and PMT). */
const MAX_SECTION = 1024;
const TABLE_PAT = 0x00;
const TABLE_PMT = 0x02;

/** One elementary stream of a PMT, with the descriptors that name private codecs. */
export interface PmtEntry {
  pid: number;
  streamType: number;
  /** format_identifier of a registration descriptor (e.g. 'Opus'), if any. */
  registration?: string;
  /** DVB extension descriptor payloads (tag 0x7f), by descriptor_tag_extension. */
  extensions: Map<number, Buffer>;
}

export interface Pmt {
  programNumber: number;
  version: number;
  pcrPid: number;
  streams: PmtEntry[];
}

/**
 * Reassembles PSI sections of one PID from transport packet payloads (pointer_field, sections
 * spanning packets, several in one packet) and hands over each one whose CRC is right.
 */
export class SectionAssembler {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly onSection: (section: Buffer) => void) {}

  /** Drops a partial section (after a continuity error). */
  reset(): void {
    this.parts = [];
    this.size = 0;
  }

  push(payload: Buffer, unitStart: boolean): boolean {
    let crcErrors = false;
    let data = payload;
    if (unitStart) {
      const pointer = data[0] ?? 0;
      if (this.size > 0) this.append(data.subarray(1, 1 + pointer));
      crcErrors = this.emitComplete() || crcErrors;
      this.reset();
      data = data.subarray(1 + pointer);
    } else if (this.size === 0) {
      return false; // the middle of a section whose start was missed
    }
    this.append(data);
    return this.emitComplete() || crcErrors;
  }

  private append(data: Buffer): void {
    if (data.length === 0) return;
    this.parts.push(data);
    this.size += data.length;
  }

  /** Emits every whole section buffered; true when one failed its CRC. */
  private emitComplete(): boolean {
    let buffered = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    let badCrc = false;
    while (buffered.length >= 3 && buffered[0] !== 0xff) {
      const length = 3 + (buffered.readUInt16BE(1) & 0x0fff);
      if (length > MAX_SECTION || length < 12) {
        buffered = Buffer.alloc(0); // not a long-form section: drop what is left
        break;
      }
      if (buffered.length < length) break;
      const section = buffered.subarray(0, length);
      if (crc32Mpeg(section) === 0) this.onSection(section);
      else badCrc = true;
      buffered = buffered.subarray(length);
    }
    // 0xff after a section is stuffing up to the packet's end.
    if (buffered.length > 0 && buffered[0] === 0xff) buffered = Buffer.alloc(0);
    this.parts = buffered.length > 0 ? [Buffer.from(buffered)] : [];
    this.size = buffered.length;
    return badCrc;
  }
}

/** Whether a section is current (current_next_indicator), not an announced future table. */
function current(section: Buffer): boolean {
  return (section[5]! & 0x01) === 1;
}

/** The PMT PID of the first program of a PAT section (program 0 is the network PID). */
export function readPat(section: Buffer): number | undefined {
  if (section[0] !== TABLE_PAT || !current(section)) return undefined;
  for (let at = 8; at + 4 <= section.length - 4; at += 4) {
    if (section.readUInt16BE(at) !== 0) return section.readUInt16BE(at + 2) & 0x1fff;
  }
  return undefined;
}

/** Parses a PMT section; undefined when it is not a current, well-formed PMT. */
export function readPmt(section: Buffer): Pmt | undefined {
  if (section[0] !== TABLE_PMT || !current(section)) return undefined;
  const end = section.length - 4;
  const programInfoLength = section.readUInt16BE(10) & 0x0fff;
  const streams: PmtEntry[] = [];
  let at = 12 + programInfoLength;
  while (at + 5 <= end) {
    const infoLength = section.readUInt16BE(at + 3) & 0x0fff;
    const info = section.subarray(at + 5, Math.min(end, at + 5 + infoLength));
    streams.push({ pid: section.readUInt16BE(at + 1) & 0x1fff, streamType: section[at]!, ...readDescriptors(info) });
    at += 5 + infoLength;
  }
  return {
    programNumber: section.readUInt16BE(3),
    version: (section[5]! >> 1) & 0x1f,
    pcrPid: section.readUInt16BE(8) & 0x1fff,
    streams,
  };
}

const REGISTRATION_DESCRIPTOR = 0x05;
const EXTENSION_DESCRIPTOR = 0x7f;

function readDescriptors(info: Buffer): Pick<PmtEntry, 'registration' | 'extensions'> {
  const found: Pick<PmtEntry, 'registration' | 'extensions'> = { extensions: new Map() };
  for (let at = 0; at + 2 <= info.length; at += 2 + info[at + 1]!) {
    const body = info.subarray(at + 2, at + 2 + info[at + 1]!);
    if (info[at] === REGISTRATION_DESCRIPTOR && body.length >= 4) found.registration = body.toString('latin1', 0, 4);
    if (info[at] === EXTENSION_DESCRIPTOR && body.length >= 1) found.extensions.set(body[0]!, body.subarray(1));
  }
  return found;
}
