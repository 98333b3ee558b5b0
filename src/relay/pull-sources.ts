import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { FLV_TAG_TYPE, FlvReader, flvTagToFrame } from '../formats/flv/index.js';
import type { MediaFrame } from '../media/frame.js';
import { httpsModule } from '../util/tls-modules.js';
import { frameFromMessage } from '../servers/rtmp/rtmp-media.js';
import { RelayError } from './errors.js';
import { RtmpClient } from './rtmp-client/rtmp-client.js';
import { parseRtmpUrl, redactUrl } from './rtmp-client/rtmp-url.js';

/** A running source of frames for a pull; it reports its end once. */
export interface PullSource {
  onFrame: (frame: MediaFrame) => void;
  onEnd: (error: Error) => void;
  bytesReceived(): number;
  close(): void;
}

export interface SourceOptions {
  stepTimeoutMs: number;
  ca?: string | Buffer;
}

/** Plays `url` from an RTMP(S) server; resolves once the server says playback starts. */
export async function openRtmpSource(url: string, options: SourceOptions): Promise<PullSource> {
  const client = await RtmpClient.open(parseRtmpUrl(url), { stepTimeoutMs: options.stepTimeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
  const source: PullSource = {
    onFrame: () => {},
    onEnd: () => {},
    bytesReceived: () => client.socket.bytesRead,
    close: () => client.close(),
  };
  client.onClose = (error) => source.onEnd(error ?? new RelayError('closed'));
  client.onMessage = (message) => {
    const frame = frameFromMessage(message);
    if (frame) source.onFrame(frame);
  };
  try {
    await client.play();
  } catch (error) {
    client.close();
    throw error;
  }
  return source;
}

/** Reads an HTTP(S)-FLV stream; resolves once the server answered 200. */
export function openFlvSource(url: string, options: SourceOptions): Promise<PullSource> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsModule().get : httpGet;
    let request: ClientRequest;
    let received = 0;
    let ended = false;
    const source: PullSource = {
      onFrame: () => {},
      onEnd: () => {},
      bytesReceived: () => received,
      close: () => finish(new RelayError('closed')),
    };
    const finish = (error: Error): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
      source.onEnd(error);
    };
    const timer = setTimeout(() => finish(new RelayError(`no answer within ${options.stepTimeoutMs} ms`)), options.stepTimeoutMs);
    try {
      request = get(url, { ...(options.ca ? { ca: options.ca } : {}) }, (response: IncomingMessage) => {
        clearTimeout(timer);
        if (response.statusCode !== 200) return finish(new RelayError(`${redactUrl(url)} answered ${response.statusCode}`));
        const reader = new FlvReader();
        response.on('data', (data: Buffer) => {
          received += data.length;
          try {
            reader.push(data, (tag) => {
              if (tag.type === FLV_TAG_TYPE.SCRIPT && !isMetadata(tag.body)) return;
              source.onFrame(flvTagToFrame(tag));
            });
          } catch (error) {
            finish(new RelayError(`not FLV: ${(error as Error).message}`, { cause: error }));
          }
        });
        response.on('end', () => finish(new RelayError('the source ended the stream')));
        response.on('error', (error) => finish(new RelayError(error.message, { cause: error })));
        resolve(source);
      });
    } catch (error) {
      clearTimeout(timer);
      reject(new RelayError(`cannot request ${redactUrl(url)}: ${(error as Error).message}`, { cause: error }));
      return;
    }
    request.on('error', (error) => finish(new RelayError(error.message, { cause: error })));
  });
}

// AMF0 string "onMetaData": what players expect of the stream's metadata.
const ON_METADATA = Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData')]);

export function isMetadata(body: Buffer): boolean {
  return body.length >= ON_METADATA.length && body.compare(ON_METADATA, 0, ON_METADATA.length, 0, ON_METADATA.length) === 0;
}
