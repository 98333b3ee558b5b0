import { ProtocolError } from '../../../util/errors.js';

/** TLS alert descriptions this server sends or names in its logs (RFC 5246 §7.2). */
export const Alert = {
  closeNotify: 0,
  unexpectedMessage: 10,
  badRecordMac: 20,
  handshakeFailure: 40,
  badCertificate: 42,
  illegalParameter: 47,
  decodeError: 50,
  decryptError: 51,
  protocolVersion: 70,
  insufficientSecurity: 71,
  internalError: 80,
} as const;

const names = new Map<number, string>(Object.entries(Alert).map(([name, code]) => [code, name]));
export const alertName = (code: number): string => names.get(code) ?? `alert ${code}`;

/** A handshake the server refuses: it answers with this fatal alert and closes the session. */
export class DtlsError extends ProtocolError {
  constructor(
    message: string,
    readonly alert: number = Alert.decodeError,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Alert record body: level (1 warning, 2 fatal) and description. */
export const encodeAlert = (description: number, fatal: boolean): Buffer => Buffer.from([fatal ? 2 : 1, description]);
