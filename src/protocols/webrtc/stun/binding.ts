import { createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from './crc32.js';
import { FINGERPRINT_XOR, STUN_BINDING, StunError, encodeStun, type StunAddress, type StunMessage } from './message.js';

/** A Binding request that has been checked for shape: the fields an ICE-lite server acts on. */
export interface BindingRequest {
  transactionId: Buffer;
  /** USERNAME is `<our ufrag>:<their ufrag>` (RFC 8445 7.2.2). */
  localUfrag: string;
  remoteUfrag: string;
  priority?: number;
  useCandidate: boolean;
  iceControlling?: bigint;
  iceControlled?: bigint;
  message: StunMessage;
}

/** Reads a Binding request: a StunError (answer 400) when it is not one or lacks USERNAME. */
export function readBindingRequest(message: StunMessage): BindingRequest {
  if (message.method !== STUN_BINDING || message.class !== 'request') {
    throw new StunError(`STUN ${message.class} of method ${message.method} is not a Binding request`);
  }
  const colon = message.username?.indexOf(':') ?? -1;
  if (message.username === undefined || colon <= 0 || colon === message.username.length - 1) {
    throw new StunError('STUN Binding request without a USERNAME of the form ufrag:ufrag');
  }
  return {
    transactionId: message.transactionId,
    localUfrag: message.username.slice(0, colon),
    remoteUfrag: message.username.slice(colon + 1),
    priority: message.priority,
    useCandidate: message.useCandidate,
    iceControlling: message.iceControlling,
    iceControlled: message.iceControlled,
    message,
  };
}

/** True when MESSAGE-INTEGRITY is present and matches HMAC-SHA1 keyed by `password` (RFC 5389 15.4). */
export function verifyIntegrity(message: StunMessage, password: string | Buffer): boolean {
  const at = message.integrityOffset;
  if (at === undefined) return false;
  const header = Buffer.from(message.raw.subarray(0, 20));
  header.writeUInt16BE(at - 20 + 24, 2); // length as if MESSAGE-INTEGRITY were the last attribute
  const mac = createHmac('sha1', password).update(header).update(message.raw.subarray(20, at)).digest();
  return timingSafeEqual(mac, message.raw.subarray(at + 4, at + 24));
}

/** True when FINGERPRINT is present and matches CRC-32 xor 0x5354554e of the bytes before it (15.5). */
export function verifyFingerprint(message: StunMessage): boolean {
  const at = message.fingerprintOffset;
  if (at === undefined) return false;
  const expected = (crc32(message.raw.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0;
  return message.raw.readUInt32BE(at + 4) === expected;
}

/** Binding success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (local pwd) and FINGERPRINT. */
export function bindingSuccess(transactionId: Buffer, mapped: StunAddress, password: string | Buffer): Buffer {
  return encodeStun({
    method: STUN_BINDING,
    class: 'success',
    transactionId,
    xorMappedAddress: mapped,
    integrityKey: password,
    fingerprint: true,
  });
}

/**
 * Binding error response (RFC 8445 7.3.1.1, RFC 5389 10.1.2): 400 Bad Request, 401 Unauthorized,
 * 487 Role Conflict; integrity only when the request's own integrity checked out.
 */
export function bindingError(transactionId: Buffer, code: 400 | 401 | 487, reason: string, password?: string | Buffer): Buffer {
  return encodeStun({
    method: STUN_BINDING,
    class: 'error',
    transactionId,
    errorCode: { code, reason },
    integrityKey: password,
    fingerprint: true,
  });
}
