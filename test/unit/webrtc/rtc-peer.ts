import { randomBytes } from 'node:crypto';
import { generateCertificate } from '../../../src/protocols/webrtc/certificate.js';
import { DtlsClient } from '../../../src/protocols/webrtc/dtls/index.js';
import { srtpSessions, type SrtpSession } from '../../../src/protocols/webrtc/srtp/session.js';
import { readBindingRequest } from '../../../src/protocols/webrtc/stun/binding.js';
import { classifyPacket } from '../../../src/protocols/webrtc/stun/demux.js';
import { STUN_BINDING, decodeStun, encodeStun } from '../../../src/protocols/webrtc/stun/message.js';
import { RtcTransport, type PeerAddress, type TransportOptions } from '../../../src/servers/webrtc/rtc-transport.js';
import { silentLogger } from '../../../src/util/logger.js';
import { Slab } from '../../../src/util/slab.js';
import { waitFor } from '../../support/wait.js';

export interface ConnectedPeer {
  /** The server's side. */
  transport: RtcTransport;
  /** Where the peer's binding request came from: the address media goes to. */
  address: PeerAddress;
  /** The peer's outbound SRTP: what it sends the server. */
  outbound: SrtpSession;
}

/**
 * A server transport whose peer (an in-memory DTLS client) has checked in from `address` and
 * finished the DTLS handshake. `media` sees every RTP/RTCP datagram the server sends, with the
 * completion the socket would call.
 */
export async function connectedPeer(options: {
  id: string;
  pacer: TransportOptions['pacer'];
  media?(datagram: Buffer, done: () => void): void;
}): Promise<ConnectedPeer> {
  const serverCert = generateCertificate();
  const clientCert = generateCertificate();
  const address: PeerAddress = { address: '127.0.0.1', port: 40000 };
  let connected = false;
  let client: DtlsClient | undefined;
  let outbound: SrtpSession | undefined;
  const transport = new RtcTransport({
    localUfrag: 'srv', localPwd: 'pwd', remoteUfrag: options.id, certificate: serverCert,
    remoteFingerprint: { algorithm: 'sha-256', value: clientCert.fingerprint },
    send: (datagram, _to, sent) => {
      const done = (): void => sent(datagram.length);
      const kind = classifyPacket(datagram);
      if (kind === 'dtls') setImmediate(() => client!.handle(datagram));
      if (!connected || (kind !== 'rtp' && kind !== 'rtcp') || !options.media) return done();
      options.media(datagram, done);
    },
    pacer: options.pacer,
    slab: new Slab(),
    log: silentLogger(),
    onConnected: () => (connected = true),
    onRtp: () => undefined,
    onRtcp: () => undefined,
    onClose: () => undefined,
  });
  const check = encodeStun({ method: STUN_BINDING, class: 'request', transactionId: randomBytes(12), username: `srv:${options.id}`, useCandidate: true });
  transport.stun(readBindingRequest(decodeStun(check)), address);
  client = new DtlsClient({
    certificate: clientCert,
    send: (datagram) => setImmediate(() => transport.receive(datagram, address)),
    expectedFingerprint: { algorithm: 'sha-256', value: serverCert.fingerprint },
    onConnected: (keys) => (outbound = srtpSessions(keys).outbound),
    onClose: () => undefined,
    log: silentLogger(),
  });
  client.start();
  await waitFor(() => connected && outbound, `${options.id} connected`);
  return { transport, address, outbound: outbound! };
}
