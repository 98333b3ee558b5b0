import type { Socket } from 'node:net';
import { Reader, type FrameSink } from '../../hub/reader.js';
import type { Stream } from '../../hub/stream.js';
import type { TransportSpec } from '../../protocols/rtsp/transport.js';
import type { PlayTrack } from './play-tracks.js';
import { SocketSink } from '../socket-sink.js';
import type { RtpOutputs } from './rtp-output.js';
import type { UdpPair } from './udp-pair.js';

/** A track a player set up, with how it gets there. */
interface PlaySetup {
  track: PlayTrack;
  transport: TransportSpec;
}

/** Splits the shared interleaved bytes into datagrams for the player's ports, by channel. */
class UdpSink implements FrameSink {
  readonly pendingBytes = 0;
  sent = 0;

  constructor(
    private readonly udp: UdpPair,
    private readonly address: string,
    private readonly ports: ReadonlyMap<number, number>,
    private readonly onClose: (reason: string) => void,
  ) {}

  write(bytes: Buffer): void {
    for (let at = 0; at + 4 <= bytes.length; ) {
      const channel = bytes[at + 1]!;
      const length = bytes.readUInt16BE(at + 2);
      const port = this.ports.get(channel);
      if (port !== undefined) this.udp.send(bytes.subarray(at + 4, at + 4 + length), this.address, port, channel % 2 === 1);
      this.sent += length;
      at += 4 + length;
    }
  }

  close(reason: string): void {
    this.onClose(reason);
  }
}

/**
 * A player's tracks and its place among the stream's readers. TCP players get the interleaved
 * channels they asked for; UDP players share the layout 0-1, 2-3 and are sent datagrams.
 */
export class RtspPlayer {
  private readonly setups: Array<PlaySetup | undefined>;
  private reader: Reader | undefined;
  private udpSink: UdpSink | undefined;

  private stream: Stream | undefined;

  constructor(readonly tracks: readonly PlayTrack[]) {
    this.setups = tracks.map(() => undefined);
  }

  get transport(): 'tcp' | 'udp' | undefined {
    return this.setups.find((setup) => setup)?.transport.protocol;
  }

  get playing(): boolean {
    return this.reader !== undefined;
  }

  /** Bytes sent over UDP (TCP bytes are counted by the socket). */
  get udpBytes(): number {
    return this.udpSink?.sent ?? 0;
  }

  setup(index: number, transport: TransportSpec): void {
    this.setups[index] = { track: this.tracks[index]!, transport };
  }

  start(stream: Stream, id: string, outputs: RtpOutputs, sink: { socket: Socket; udp?: UdpPair; address: string }, close: (reason: string) => void): void {
    if (this.reader) return;
    this.stream = stream;
    const format = outputs.of(stream, this.layout());
    let frameSink: FrameSink;
    if (this.transport === 'udp' && sink.udp) {
      const ports = new Map<number, number>();
      this.setups.forEach((setup, i) => {
        if (setup?.transport.protocol !== 'udp') return;
        ports.set(2 * i, setup.transport.clientPorts[0]);
        ports.set(2 * i + 1, setup.transport.clientPorts[1]);
      });
      frameSink = this.udpSink ??= new UdpSink(sink.udp, sink.address, ports, close);
    } else {
      frameSink = new SocketSink(sink.socket, close);
    }
    this.reader = new Reader(id, frameSink, format);
    // From the live edge: RTP clients (GStreamer's rtpjitterbuffer) time packets by their arrival.
    this.stream.addReader(this.reader, 'live');
    // Startup frames are packetized now, in order, before any later frame takes sequence numbers.
    this.stream.flush();
  }

  stop(): void {
    if (!this.reader) return;
    this.stream?.removeReader(this.reader);
    this.reader = undefined;
  }

  /** The channel of each set-up track: the client's for TCP, 2i for UDP. */
  private layout(): Array<{ track: PlayTrack; channel: number }> {
    const layout: Array<{ track: PlayTrack; channel: number }> = [];
    this.setups.forEach((setup, i) => {
      if (!setup) return;
      const channel = setup.transport.protocol === 'tcp' ? setup.transport.channels[0] : 2 * i;
      layout.push({ track: setup.track, channel });
    });
    return layout;
  }
}
