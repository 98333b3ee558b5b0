import { extname } from 'node:path';
import { encodeFlvTag, flvFileHeader } from '../formats/flv/index.js';
import { Mp4Muxer, mp4Tracks } from '../formats/mp4/index.js';
import type { MediaFrame } from '../media/frame.js';
import { SluiceError } from '../util/errors.js';

/** What a recording knows when it opens a file: the stream's latest metadata and codec headers. */
export interface StreamHeaders {
  metadata?: MediaFrame;
  video?: MediaFrame;
  audio?: MediaFrame;
}

/**
 * One recording file's container. Every buffer returned is whole units (FLV tags, MP4 boxes),
 * so a file cut between two writes stays readable up to the last one.
 */
export interface FileFormat {
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;
  /** The bytes that open the file. */
  begin(): Buffer;
  /** A frame stamped `ms` from the file's start. */
  frame(frame: MediaFrame, ms: number): Buffer | undefined;
  end(): Buffer | undefined;
}

export class UnsupportedRecording extends SluiceError {}

/** The container for `path`, by its extension: `.mp4` or anything else as FLV (as SRS does). */
export function fileFormatFor(path: string, headers: StreamHeaders): FileFormat {
  return extname(path).toLowerCase() === '.mp4' ? new Mp4File(headers) : new FlvFile(headers);
}

class FlvFile implements FileFormat {
  readonly hasVideo: boolean;
  readonly hasAudio: boolean;

  constructor(private readonly headers: StreamHeaders) {
    this.hasVideo = headers.video !== undefined;
    this.hasAudio = headers.audio !== undefined;
  }

  begin(): Buffer {
    const { metadata, video, audio } = this.headers;
    const tags = [metadata, video, audio].filter((f): f is MediaFrame => f !== undefined).map((f) => encodeFlvTag({ ...f, timestamp: 0 }));
    return Buffer.concat([flvFileHeader(this.hasAudio, this.hasVideo), ...tags]);
  }

  frame(frame: MediaFrame, ms: number): Buffer {
    // Headers and metadata that change mid-stream are kept too: FLV players switch on them.
    return encodeFlvTag({ ...frame, timestamp: ms });
  }

  end(): undefined {
    return undefined;
  }
}

class Mp4File implements FileFormat {
  private readonly muxer: Mp4Muxer;

  constructor(headers: StreamHeaders) {
    const tracks = mp4Tracks(headers.video, headers.audio);
    if (tracks.length === 0) throw new UnsupportedRecording('no H.264, HEVC or AAC track to record in MP4');
    this.muxer = new Mp4Muxer(tracks);
  }

  get hasVideo(): boolean {
    return this.muxer.hasVideo;
  }

  get hasAudio(): boolean {
    return this.muxer.hasAudio;
  }

  begin(): Buffer {
    return this.muxer.init();
  }

  frame(frame: MediaFrame, ms: number): Buffer | undefined {
    return this.muxer.push(frame, ms);
  }

  end(): Buffer | undefined {
    return this.muxer.end();
  }
}
