import type { ByteReader } from '../../util/bytes.js';
import { ProtocolError } from '../../util/errors.js';
import { checkCount, checkDepth, hex, setProperty } from './amf-common.js';

/** AMF3 type markers (AMF3 spec, section 3.1). Vectors and dictionaries are not supported. */
const Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
} as const;

export interface Amf3Traits {
  className: string;
  dynamic: boolean;
  sealed: string[];
}

/** The three reference tables of one AMF3 value graph. */
export interface Amf3Tables {
  strings: string[];
  objects: unknown[];
  traits: Amf3Traits[];
}

export function createAmf3Tables(): Amf3Tables {
  return { strings: [], objects: [], traits: [] };
}

/**
 * Decodes one AMF3 value. Objects and associative arrays become plain objects, XML becomes a
 * string, a byte array becomes a Buffer (copied, so it does not pin the input).
 */
export function decodeAmf3Value(reader: ByteReader, tables: Amf3Tables = createAmf3Tables(), depth = 0): unknown {
  const marker = reader.u8();
  switch (marker) {
    case Marker.Undefined:
      return undefined;
    case Marker.Null:
      return null;
    case Marker.False:
      return false;
    case Marker.True:
      return true;
    case Marker.Integer: {
      const value = readU29(reader);
      return value & 0x10000000 ? value - 0x20000000 : value; // sign-extend 29 bits
    }
    case Marker.Double:
      return reader.f64();
    case Marker.String:
      return readString(reader, tables);
    case Marker.XmlDocument:
    case Marker.Xml:
      return readXml(reader, tables);
    case Marker.Date:
      return readDate(reader, tables);
    case Marker.Array:
      return readArray(reader, tables, depth);
    case Marker.Object:
      return readObject(reader, tables, depth);
    case Marker.ByteArray:
      return readByteArray(reader, tables);
    default:
      throw new ProtocolError(`unsupported AMF3 marker ${hex(marker)}`);
  }
}

/** Variable-length 29-bit unsigned integer: 7 bits in each of up to 3 bytes, then 8. */
function readU29(reader: ByteReader): number {
  let value = 0;
  for (let i = 0; i < 3; i++) {
    const byte = reader.u8();
    value = (value << 7) | (byte & 0x7f);
    if ((byte & 0x80) === 0) return value;
  }
  return (value << 8) | reader.u8();
}

function lookup<T>(table: T[], index: number, what: string): T {
  if (index >= table.length) {
    throw new ProtocolError(`AMF3 ${what} reference ${index} out of range (table has ${table.length})`);
  }
  return table[index]!;
}

function readString(reader: ByteReader, tables: Amf3Tables): string {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.strings, header >> 1, 'string');
  const length = header >> 1;
  const value = reader.bytes(length).toString('utf8');
  if (length > 0) tables.strings.push(value); // the empty string is never sent by reference
  return value;
}

function readXml(reader: ByteReader, tables: Amf3Tables): unknown {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.objects, header >> 1, 'object');
  const value = reader.bytes(header >> 1).toString('utf8');
  tables.objects.push(value);
  return value;
}

function readDate(reader: ByteReader, tables: Amf3Tables): unknown {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.objects, header >> 1, 'object');
  const value = new Date(reader.f64());
  tables.objects.push(value);
  return value;
}

function readByteArray(reader: ByteReader, tables: Amf3Tables): unknown {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.objects, header >> 1, 'object');
  const value = Buffer.from(reader.bytes(header >> 1));
  tables.objects.push(value);
  return value;
}

/** A dense-only array becomes a JS array; one with named entries becomes a plain object. */
function readArray(reader: ByteReader, tables: Amf3Tables, depth: number): unknown {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.objects, header >> 1, 'object');
  checkDepth(depth);
  const denseCount = header >> 1;
  let key = readString(reader, tables);
  if (key === '') {
    checkCount(denseCount, reader, 'AMF3 array');
    const array: unknown[] = [];
    tables.objects.push(array);
    for (let i = 0; i < denseCount; i++) array.push(decodeAmf3Value(reader, tables, depth + 1));
    return array;
  }
  const object: Record<string, unknown> = {};
  tables.objects.push(object);
  while (key !== '') {
    setProperty(object, key, decodeAmf3Value(reader, tables, depth + 1));
    key = readString(reader, tables);
  }
  checkCount(denseCount, reader, 'AMF3 array');
  for (let i = 0; i < denseCount; i++) {
    setProperty(object, String(i), decodeAmf3Value(reader, tables, depth + 1));
  }
  return object;
}

function readObject(reader: ByteReader, tables: Amf3Tables, depth: number): unknown {
  const header = readU29(reader);
  if ((header & 1) === 0) return lookup(tables.objects, header >> 1, 'object');
  checkDepth(depth);
  const traits = readTraits(reader, tables, header);
  const object: Record<string, unknown> = {};
  tables.objects.push(object);
  for (const name of traits.sealed) {
    setProperty(object, name, decodeAmf3Value(reader, tables, depth + 1));
  }
  if (traits.dynamic) {
    for (let key = readString(reader, tables); key !== ''; key = readString(reader, tables)) {
      setProperty(object, key, decodeAmf3Value(reader, tables, depth + 1));
    }
  }
  return object;
}

function readTraits(reader: ByteReader, tables: Amf3Tables, header: number): Amf3Traits {
  if ((header & 2) === 0) return lookup(tables.traits, header >> 2, 'traits');
  if (header & 4) throw new ProtocolError('AMF3 externalizable objects are not supported');
  const dynamic = (header & 8) !== 0;
  const sealedCount = header >> 4;
  const className = readString(reader, tables);
  checkCount(sealedCount, reader, 'AMF3 traits');
  const sealed: string[] = [];
  for (let i = 0; i < sealedCount; i++) sealed.push(readString(reader, tables));
  const traits = { className, dynamic, sealed };
  tables.traits.push(traits);
  return traits;
}
