import { inspectAudio, inspectVideo } from '../../codecs/inspect.js';
import type { MediaFrame } from '../../media/frame.js';
import type { OutputFormat } from '../../hub/reader.js';
import { encodeMessage } from '../../protocols/rtmp/chunk-writer.js';
import { MessageType, type RtmpMessage } from '../../protocols/rtmp/messages.js';
import { heldWrites } from '../direct-write.js';

// AMF0 string marker + length + "@setDataFrame": what FFmpeg/OBS put before onMetaData.
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);
const ON_METADATA = Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData')]);

/** Turns a publisher's audio, video or metadata message into a frame; undefined for anything else. */
export function frameFromMessage(message: RtmpMessage): MediaFrame | undefined {
  const { payload, timestamp } = message;
  switch (message.type) {
    case MessageType.Audio: {
      if (payload.length === 0) return undefined;
      const traits = inspectAudio(payload);
      return { kind: 'audio', timestamp, body: payload, keyframe: false, sequenceHeader: traits.sequenceHeader };
    }
    case MessageType.Video: {
      if (payload.length === 0) return undefined;
      const traits = inspectVideo(payload);
      return { kind: 'video', timestamp, body: payload, keyframe: traits.keyframe, sequenceHeader: traits.sequenceHeader };
    }
    case MessageType.DataAmf0:
    case MessageType.DataAmf3: {
      const body = metadataBody(message.type === MessageType.DataAmf3 ? payload.subarray(1) : payload);
      return body && { kind: 'data', timestamp: 0, body, keyframe: false, sequenceHeader: false };
    }
    default:
      return undefined;
  }
}

/** The `onMetaData` message as players expect it, without the `@setDataFrame` wrapper. */
function metadataBody(amf0: Buffer): Buffer | undefined {
  const body = startsWith(amf0, SET_DATA_FRAME) ? amf0.subarray(SET_DATA_FRAME.length) : amf0;
  return startsWith(body, ON_METADATA) ? body : undefined;
}

function startsWith(buffer: Buffer, prefix: Buffer): boolean {
  return buffer.length >= prefix.length && buffer.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

const CHUNK_STREAM = { audio: 4, video: 6, data: 5 } as const;
const MESSAGE_TYPE = { audio: MessageType.Audio, video: MessageType.Video, data: MessageType.DataAmf0 } as const;

/** RTMP output: every player with the same chunk size and stream id shares the same bytes. */
export function rtmpOutput(chunkSize: number, streamId: number): OutputFormat {
  return {
    key: `rtmp/${chunkSize}/${streamId}`,
    flushWrites: heldWrites,
    encode: (frame) =>
      encodeMessage(
        {
          type: MESSAGE_TYPE[frame.kind],
          streamId,
          timestamp: frame.timestamp,
          chunkStreamId: CHUNK_STREAM[frame.kind],
          payload: frame.body,
        },
        chunkSize,
      ),
  };
}
