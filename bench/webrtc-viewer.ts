// A headless WHEP viewer for benchmarks: ICE by one STUN binding request (then consent checks),
// DTLS by `openssl s_client` relayed through the viewer's socket (killed once it has exported the
// SRTP keys, so it sends no close_notify), then SRTP decrypted here. Records per packet arrival.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprintOf } from '../src/protocols/webrtc/certificate.js';
import { srtpSessions, type SrtpSession } from '../src/protocols/webrtc/srtp/session.js';
import { classifyPacket } from '../src/protocols/webrtc/stun/demux.js';
import { STUN_BINDING, encodeStun } from '../src/protocols/webrtc/stun/message.js';
import { bindUdp } from '../src/servers/listen.js';

const DECRYPT_EVERY = 50;

export interface ClientIdentity {
  certFile: string;
  keyFile: string;
  fingerprint: string;
}

/** An ECDSA P-256 client certificate for openssl, made once per run. */
export function clientIdentity(dir: string): ClientIdentity {
  const keyFile = join(dir, 'viewer.key');
  const certFile = join(dir, 'viewer.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=viewer'], { stdio: 'ignore' });
  const der = Buffer.from(readFileSync(certFile, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return { certFile, keyFile, fingerprint: fingerprintOf(der) };
}

function offer(ufrag: string, pwd: string, fingerprint: string): string {
  return [
    'v=0', `o=- ${Date.now()} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS',
    'm=video 9 UDP/TLS/RTP/SAVPF 102', 'c=IN IP4 0.0.0.0', 'a=mid:0', `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`,
    `a=fingerprint:sha-256 ${fingerprint}`, 'a=setup:active', 'a=rtcp-mux', 'a=recvonly', 'a=rtpmap:102 H264/90000',
    'a=rtcp-fb:102 nack', 'a=rtcp-fb:102 nack pli', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'c=IN IP4 0.0.0.0', 'a=mid:1', `a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`,
    `a=fingerprint:sha-256 ${fingerprint}`, 'a=setup:active', 'a=rtcp-mux', 'a=recvonly', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', '',
  ].join('\r\n');
}

export class HeadlessViewer {
  /** Arrival (ms, performance clock) by RTP sequence number of the video, and the packet's RTP time. */
  readonly arrivals: Array<{ sequence: number; at: number; rtp: number }> = [];
  audioPackets = 0;
  undecryptable = 0;
  decrypted = 0;
  private srtp: SrtpSession | undefined;
  private consent: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly server: { address: string; port: number },
    private readonly stun: () => Buffer,
    private readonly resource: string,
  ) {}

  static async open(whepUrl: string, identity: ClientIdentity): Promise<HeadlessViewer> {
    const ufrag = randomBytes(4).toString('hex');
    const pwd = randomBytes(12).toString('hex');
    const response = await fetch(whepUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer(ufrag, pwd, identity.fingerprint) });
    const answer = await response.text();
    if (response.status !== 201) throw new Error(`WHEP answered ${response.status}: ${answer}`);
    const field = (name: string): string => new RegExp(`a=${name}:(\\S+)`).exec(answer)?.[1] ?? '';
    const candidate = /a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/.exec(answer);
    if (!candidate) throw new Error(`no host candidate in the answer:\n${answer}`);
    const server = { address: candidate[1]!, port: Number(candidate[2]) };
    const tie = randomBytes(8).readBigUInt64BE();
    const stun = (): Buffer =>
      encodeStun({ method: STUN_BINDING, class: 'request', transactionId: randomBytes(12), username: `${field('ice-ufrag')}:${ufrag}`, priority: 1853824767, useCandidate: true, iceControlling: tie, integrityKey: field('ice-pwd'), fingerprint: true });
    const socket = await bindUdp('127.0.0.1', 0);
    const location = response.headers.get('location') ?? '';
    const viewer = new HeadlessViewer(socket, server, stun, new URL(location, whepUrl).href);
    await viewer.connect(identity);
    return viewer;
  }

  private async connect(identity: ClientIdentity): Promise<void> {
    const relay = await bindUdp('127.0.0.1', 0);
    let openssl: { address: string; port: number } | undefined;
    relay.on('message', (datagram, from) => {
      openssl = from;
      this.socket.send(datagram, this.server.port, this.server.address);
    });
    let answered: () => void = () => undefined;
    const bound = new Promise<void>((resolve) => (answered = resolve));
    this.socket.on('message', (datagram) => {
      const kind = classifyPacket(datagram);
      if (kind === 'stun') answered();
      else if (kind === 'dtls' && openssl && !this.srtp) relay.send(datagram, openssl.port, openssl.address);
      else if (kind === 'rtp') this.rtp(datagram);
    });
    // Consent checks from the start: the first answer means the server knows this address.
    const check = (): void => void this.socket.send(this.stun(), this.server.port, this.server.address);
    check();
    this.consent = setInterval(check, 1000);
    await bound;
    const client = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${relay.address().port}`, '-use_srtp', 'SRTP_AES128_CM_SHA1_80',
      '-cert', identity.certFile, '-key', identity.keyFile, '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const keys = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no DTLS keys from openssl:\n${output}`)), 30_000);
      const read = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /Keying material: ([0-9A-F]+)/.exec(output);
        if (!match) return;
        clearTimeout(timer);
        resolve(Buffer.from(match[1]!, 'hex'));
      };
      client.stdout.on('data', read);
      client.stderr.on('data', read);
    });
    // Killed, not closed: a close_notify would end the session.
    client.kill('SIGKILL');
    // RFC 5764 4.2: client key, server key, client salt, server salt.
    this.srtp = srtpSessions({ profile: 'AES_CM_128_HMAC_SHA1_80', localKey: keys.subarray(0, 16), remoteKey: keys.subarray(16, 32), localSalt: keys.subarray(32, 46), remoteSalt: keys.subarray(46, 60) }).inbound;
    relay.close();
  }

  /**
   * The RTP header is in the clear: sequence and timestamp are read from every packet; one in
   * `DECRYPT_EVERY` is decrypted to prove the keys (a receiver decrypting 100 viewers' packets in
   * one process would measure itself, not the server).
   */
  private rtp(datagram: Buffer): void {
    if (!this.srtp) return;
    const sequence = datagram.readUInt16BE(2);
    if (sequence % DECRYPT_EVERY === 0) {
      try {
        this.srtp.unprotectRtp(datagram);
        this.decrypted++;
      } catch {
        this.undecryptable++;
        return;
      }
    }
    if ((datagram[1]! & 0x7f) === 102) this.arrivals.push({ sequence, at: performance.now(), rtp: datagram.readUInt32BE(4) });
    else this.audioPackets++;
  }

  async close(): Promise<void> {
    clearInterval(this.consent);
    await fetch(this.resource, { method: 'DELETE' }).catch(() => undefined);
    this.socket.close();
  }
}
