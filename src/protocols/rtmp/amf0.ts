import { ByteReader, ByteWriter } from '../../util/bytes.js';
import { ProtocolError } from '../../util/errors.js';
import { MAX_AMF_DEPTH, checkCount, checkDepth, hex, setProperty } from './amf-common.js';
import { createAmf3Tables, decodeAmf3Value } from './amf3.js';

/** AMF0 type markers (AMF0 spec, section 2.1). */
const Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

/** Entries to encode as an AMF0 ECMA array rather than an object (as onMetaData traditionally is). */
export class EcmaArray {
  constructor(readonly entries: Record<string, unknown>) {}
}

/** Decodes every value in `buf`; references resolve across the whole buffer. */
export function decodeAmf0(buf: Buffer): unknown[] {
  const reader = new ByteReader(buf);
  const objects: unknown[] = [];
  const values: unknown[] = [];
  while (reader.remaining > 0) values.push(decodeAmf0Value(reader, objects));
  return values;
}

/**
 * Decodes one AMF0 value. ECMA arrays and typed objects become plain objects; `objects` is the
 * reference table (pass the same one for every value of a message).
 */
export function decodeAmf0Value(reader: ByteReader, objects: unknown[] = [], depth = 0): unknown {
  const marker = reader.u8();
  switch (marker) {
    case Marker.Number:
      return reader.f64();
    case Marker.Boolean:
      return reader.u8() !== 0;
    case Marker.String:
      return readUtf8(reader, reader.u16());
    case Marker.LongString:
    case Marker.XmlDocument:
      return readUtf8(reader, reader.u32());
    case Marker.Null:
      return null;
    case Marker.Undefined:
    case Marker.Unsupported:
      return undefined;
    case Marker.Object:
      return readProperties(reader, objects, depth);
    case Marker.EcmaArray:
      reader.u32(); // the count is only a hint: the object-end marker terminates the entries
      return readProperties(reader, objects, depth);
    case Marker.TypedObject:
      readUtf8(reader, reader.u16()); // class name: we only keep the data
      return readProperties(reader, objects, depth);
    case Marker.StrictArray:
      return readStrictArray(reader, objects, depth);
    case Marker.Date: {
      const ms = reader.f64();
      reader.skip(2); // time zone: reserved, always 0
      return new Date(ms);
    }
    case Marker.Reference: {
      const index = reader.u16();
      if (index >= objects.length) {
        throw new ProtocolError(`AMF0 reference ${index} out of range (table has ${objects.length})`);
      }
      return objects[index];
    }
    case Marker.AvmPlus:
      return decodeAmf3Value(reader, createAmf3Tables(), depth + 1);
    default:
      throw new ProtocolError(`unexpected AMF0 marker ${hex(marker)}`);
  }
}

function readUtf8(reader: ByteReader, length: number): string {
  return reader.utf8(length);
}

function readProperties(reader: ByteReader, objects: unknown[], depth: number): Record<string, unknown> {
  checkDepth(depth);
  const object: Record<string, unknown> = {};
  objects.push(object);
  for (;;) {
    const key = readUtf8(reader, reader.u16());
    if (key === '' && reader.buffer[reader.offset] === Marker.ObjectEnd) {
      reader.skip(1);
      return object;
    }
    setProperty(object, key, decodeAmf0Value(reader, objects, depth + 1));
  }
}

function readStrictArray(reader: ByteReader, objects: unknown[], depth: number): unknown[] {
  checkDepth(depth);
  const count = reader.u32();
  checkCount(count, reader, 'AMF0 strict array');
  const array: unknown[] = [];
  objects.push(array);
  for (let i = 0; i < count; i++) array.push(decodeAmf0Value(reader, objects, depth + 1));
  return array;
}

/**
 * Encodes values back to back. Arrays become strict arrays, EcmaArray an ECMA array, other
 * objects plain AMF0 objects; functions, symbols, bigints and byte arrays throw TypeError.
 */
export function encodeAmf0(...values: unknown[]): Buffer {
  const writer = new ByteWriter();
  for (const value of values) writeValue(writer, value, 0);
  return writer.finish();
}

function writeValue(writer: ByteWriter, value: unknown, depth: number): void {
  if (value === null) {
    writer.u8(Marker.Null);
    return;
  }
  switch (typeof value) {
    case 'undefined':
      writer.u8(Marker.Undefined);
      return;
    case 'number':
      writer.u8(Marker.Number).f64(value);
      return;
    case 'boolean':
      writer.u8(Marker.Boolean).u8(value ? 1 : 0);
      return;
    case 'string':
      writeString(writer, value);
      return;
    case 'object':
      writeComplex(writer, value, depth);
      return;
    default:
      throw new TypeError(`cannot encode a ${typeof value} as AMF0`);
  }
}

function writeString(writer: ByteWriter, value: string): void {
  const length = Buffer.byteLength(value, 'utf8');
  if (length > 0xffff) writer.u8(Marker.LongString).u32(length);
  else writer.u8(Marker.String).u16(length);
  writer.utf8(value, length);
}

function writeComplex(writer: ByteWriter, value: object, depth: number): void {
  if (depth >= MAX_AMF_DEPTH) throw new TypeError(`AMF0 value nested deeper than ${MAX_AMF_DEPTH} (cyclic?)`);
  if (value instanceof Date) {
    writer.u8(Marker.Date).f64(value.getTime()).u16(0);
  } else if (Array.isArray(value)) {
    writer.u8(Marker.StrictArray).u32(value.length);
    for (const item of value) writeValue(writer, item, depth + 1);
  } else if (value instanceof EcmaArray) {
    writer.u8(Marker.EcmaArray).u32(Object.keys(value.entries).length);
    writeProperties(writer, value.entries, depth);
  } else if (ArrayBuffer.isView(value)) {
    throw new TypeError('AMF0 has no byte array type');
  } else {
    writer.u8(Marker.Object);
    writeProperties(writer, value, depth);
  }
}

function writeProperties(writer: ByteWriter, object: object, depth: number): void {
  for (const [key, item] of Object.entries(object)) {
    const length = Buffer.byteLength(key, 'utf8');
    if (length > 0xffff) throw new TypeError('AMF0 property name longer than 65535 bytes');
    writer.u16(length).utf8(key, length);
    writeValue(writer, item, depth + 1);
  }
  writer.u16(0).u8(Marker.ObjectEnd);
}
