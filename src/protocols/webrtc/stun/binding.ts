import type { StunAddress, StunMessage } from './message.js';

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

/** Reads a Binding request: a ProtocolError (answer 400) when it is not one or lacks USERNAME. */
export declare function readBindingRequest(message: StunMessage): BindingRequest;
/** True when MESSAGE-INTEGRITY is present and matches HMAC-SHA1 keyed by `password`. */
export declare function verifyIntegrity(message: StunMessage, password: string | Buffer): boolean;
/** True when FINGERPRINT is present and matches CRC-32 xor 0x5354554e of the bytes before it. */
export declare function verifyFingerprint(message: StunMessage): boolean;
/** Binding success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY (local pwd) and FINGERPRINT. */
export declare function bindingSuccess(transactionId: Buffer, mapped: StunAddress, password: string | Buffer): Buffer;
/** Binding error response (400 Bad Request, 401 Unauthorized, 487 Role Conflict) with FINGERPRINT. */
export declare function bindingError(transactionId: Buffer, code: 400 | 401 | 487, reason: string, password?: string | Buffer): Buffer;
