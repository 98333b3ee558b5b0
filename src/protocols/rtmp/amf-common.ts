import type { ByteReader } from '../../util/bytes.js';
import { ProtocolError } from '../../util/errors.js';

/** How deeply AMF objects and arrays may nest before the input is treated as hostile. */
export const MAX_AMF_DEPTH = 64;

export function checkDepth(depth: number): void {
  if (depth >= MAX_AMF_DEPTH) {
    throw new ProtocolError(`AMF values nested deeper than ${MAX_AMF_DEPTH} levels`);
  }
}

/**
 * Rejects a declared item count that cannot fit in what is left (every item takes at least one
 * byte), so a hostile count fails at once instead of driving a long loop.
 */
export function checkCount(count: number, reader: ByteReader, what: string): void {
  if (count > reader.remaining) {
    throw new ProtocolError(`${what} declares ${count} items but only ${reader.remaining} bytes remain`);
  }
}

/**
 * Sets a decoded property; a "__proto__" key cannot replace the prototype. Other keys are
 * assigned: defining every property would leave each decoded object in slow dictionary mode.
 */
export function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}
