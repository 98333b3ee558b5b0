/** A tiny ISO BMFF box walker for tests: parses our own output back into a tree. */
export interface Box {
  type: string;
  /** Offset of the box in the walked buffer. */
  offset: number;
  size: number;
  payload: Buffer;
  children: Box[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'dinf', 'stbl', 'mvex', 'moof', 'traf']);
// Boxes whose children follow a fixed header: stsd/dref (full box + entry count), sample entries.
const CHILDREN_AFTER: Record<string, number> = { stsd: 8, dref: 8, avc1: 78, hvc1: 78, mp4a: 28 };

export function walk(buffer: Buffer, base = 0): Box[] {
  const boxes: Box[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    if (buffer.length - offset < 8) throw new Error(`trailing ${buffer.length - offset} bytes at ${base + offset}`);
    const size = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (size < 8 || offset + size > buffer.length) throw new Error(`box ${type} at ${base + offset} has bad size ${size}`);
    const payload = buffer.subarray(offset + 8, offset + size);
    const skip = CONTAINERS.has(type) ? 0 : CHILDREN_AFTER[type];
    const children = skip === undefined ? [] : walk(payload.subarray(skip), base + offset + 8 + skip);
    boxes.push({ type, offset: base + offset, size, payload, children });
    offset += size;
  }
  return boxes;
}

/** The first box at a path of types, e.g. find(boxes, 'moov', 'trak', 'tkhd'). */
export function find(boxes: Box[], ...path: string[]): Box {
  let level = boxes;
  let found: Box | undefined;
  for (const type of path) {
    found = level.find((b) => b.type === type);
    if (!found) throw new Error(`no ${path.join('/')}`);
    level = found.children;
  }
  return found!;
}

export function findAll(boxes: Box[], type: string): Box[] {
  return boxes.filter((b) => b.type === type);
}
