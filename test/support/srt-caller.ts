import { createSocket, type Socket } from 'node:dgram';
import { ExtensionType, SRT_VERSION, SrtFlag, encodeCapabilities, encodeStreamId } from '../../src/protocols/srt/extensions.js';
import { HandshakeType, decodeHandshake, encodeHandshake, type Handshake, type HandshakeExtension } from '../../src/protocols/srt/handshake.js';
import { encodeShutdown } from '../../src/protocols/srt/control.js';
import { ControlType, decodePacket, encodeControl } from '../../src/protocols/srt/packet.js';

/** A minimal SRT caller on a Node socket, written from the protocol: it shows what the listener answers. */
export class TestSrtCaller {
  private readonly socket: Socket = createSocket('udp4');
  private readonly socketId = 0x1234567;
  private readonly received: Buffer[] = [];

  private constructor(private readonly port: number) {
    this.socket.on('message', (datagram) => this.received.push(datagram));
  }

  static async open(port: number): Promise<TestSrtCaller> {
    const caller = new TestSrtCaller(port);
    await new Promise<void>((resolve) => caller.socket.bind(0, '127.0.0.1', resolve));
    return caller;
  }

  /** Sends raw bytes to the listener. */
  send(datagram: Buffer): void {
    this.socket.send(datagram, this.port, '127.0.0.1');
  }

  /** Datagrams received so far. */
  get datagrams(): readonly Buffer[] {
    return this.received;
  }

  handshake(fields: Partial<Handshake>): Buffer {
    const hs: Handshake = {
      version: 4,
      encryption: 0,
      extension: 2,
      initialSeq: 1000,
      mtu: 1500,
      flowWindow: 8192,
      type: HandshakeType.Induction,
      socketId: this.socketId,
      cookie: 0,
      peerIp: Buffer.from([1, 0, 0, 127, ...Buffer.alloc(12)]),
      extensions: [],
      ...fields,
    };
    return encodeControl({ type: ControlType.Handshake, subtype: 0, info: 0, timestamp: 0, destinationId: 0, body: encodeHandshake(hs) });
  }

  /** The next handshake the listener sends, or undefined if none comes within `ms`. */
  async nextHandshake(ms = 2000): Promise<Handshake | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const index = this.received.findIndex((d) => {
        const packet = decodePacket(d);
        return packet.kind === 'control' && packet.type === ControlType.Handshake;
      });
      if (index >= 0) {
        const [datagram] = this.received.splice(index, 1);
        const packet = decodePacket(datagram!);
        return packet.kind === 'control' ? decodeHandshake(packet.body) : undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  /** Induction then conclusion with `streamId` (and `extensions`, e.g. a KMREQ): the listener's answer to the conclusion. */
  async connect(streamId: string, extensions: HandshakeExtension[] = []): Promise<Handshake | undefined> {
    this.send(this.handshake({}));
    const induction = await this.nextHandshake();
    if (!induction) return undefined;
    const hsreq = encodeCapabilities(ExtensionType.HsReq, {
      version: SRT_VERSION,
      flags: SrtFlag.TsbpdSnd | SrtFlag.TsbpdRcv | SrtFlag.TlPktDrop | SrtFlag.NakReport | SrtFlag.RexmitFlg,
      receiverLatency: 120,
      senderLatency: 0,
    });
    this.send(
      this.handshake({
        version: 5,
        extension: extensions.length > 0 ? 0x7 : 0x5,
        type: HandshakeType.Conclusion,
        cookie: induction.cookie,
        extensions: [hsreq, encodeStreamId(streamId), ...extensions],
      }),
    );
    return this.nextHandshake();
  }

  /** Ends an accepted connection and the socket. */
  close(peerSocketId?: number): void {
    if (peerSocketId !== undefined) this.send(encodeShutdown(0, peerSocketId));
    this.socket.close();
  }
}
