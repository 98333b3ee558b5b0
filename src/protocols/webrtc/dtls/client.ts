import { ClientHandshake } from './client-handshake.js';
import { decodeHelloVerifyRequest } from './client-hello.js';
import { HandshakeType, Reassembler, type HandshakeFragment, type HandshakeMessage } from './handshake.js';
import { DtlsSession, type DtlsSessionOptions } from './session.js';

export type DtlsClientOptions = DtlsSessionOptions;

/**
 * DTLS 1.2 client role for one WebRTC peer (the side with a=setup:active): the same record layer,
 * flights and key schedule as DtlsServer, driven from the other end. Used by load tools and tests
 * that stand in for a browser.
 */
export class DtlsClient extends DtlsSession {
  private readonly handshake: ClientHandshake;
  private readonly reassembler = new Reassembler(0);

  constructor(options: DtlsClientOptions) {
    super(options, 'idle');
    this.handshake = new ClientHandshake(options.certificate, options.expectedFingerprint);
  }

  /** Sends the first ClientHello. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'handshake';
    this.flight.start(this.handshakeRecords([this.handshake.hello(Buffer.alloc(0))], 0), true);
  }

  protected reassemblerFor(): Reassembler {
    return this.reassembler;
  }

  protected peerResent(f: HandshakeFragment): boolean {
    return f.offset === 0;
  }

  protected onMessage(m: HandshakeMessage, epoch: number): void {
    if (this.state !== 'handshake') return;
    if (m.type === HandshakeType.helloVerifyRequest) {
      const hello = this.handshake.hello(decodeHelloVerifyRequest(m.body));
      return this.flight.start(this.handshakeRecords([hello], 0), true);
    }
    const step = this.handshake.onMessage(m, epoch);
    if (step.kind === 'flight') {
      this.readCipher = step.read;
      this.writer.setCipher(step.write);
      const finished = step.messages.pop()!;
      this.flight.start(this.finishedFlight(step.messages, finished), true);
    } else if (step.kind === 'finished') {
      this.flight.stop();
      this.connected(step.keys);
    }
  }
}
