/**
 * Zip-bomb check for .docx packages, run before mammoth (JSZip) sees them. JSZip trusts the sizes a zip declares and
 * inflates whole entries into memory, so a 100 KB upload can ask for gigabytes. We read the central directory
 * ourselves, refuse absurd declarations, then inflate every entry as a stream, counting and discarding the output,
 * to catch archives that lie about their sizes. Only stored and deflated entries exist in Office files.
 */
import { createInflateRaw } from 'node:zlib';

export interface ZipLimits {
  maxEntries: number;
  maxTotalUncompressed: number;
  /** Ratio checks apply only above this size: tiny XML parts compress very well and are harmless. */
  ratioCheckAbove: number;
  maxRatio: number;
}

export const defaultZipLimits: ZipLimits = {
  maxEntries: 10_000,
  maxTotalUncompressed: 256 * 1024 * 1024,
  ratioCheckAbove: 4 * 1024 * 1024,
  maxRatio: 200,
};

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

class ZipError extends Error {}

function findEocd(buf: Buffer): number {
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let at = buf.length - 22; at >= lowest; at--) if (buf.readUInt32LE(at) === EOCD_SIG) return at;
  throw new ZipError('not a zip archive (no end of central directory)');
}

function u64(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('zip64 size out of range');
  return Number(value);
}

function directoryBounds(buf: Buffer): { count: number; offset: number; size: number } {
  const eocd = findEocd(buf);
  let count = buf.readUInt16LE(eocd + 10);
  let size = buf.readUInt32LE(eocd + 12);
  let offset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || buf.readUInt32LE(locator) !== ZIP64_LOCATOR_SIG) throw new ZipError('corrupt zip64 archive');
    const record = u64(buf, locator + 8);
    if (record + 56 > buf.length || buf.readUInt32LE(record) !== ZIP64_EOCD_SIG)
      throw new ZipError('corrupt zip64 archive');
    count = u64(buf, record + 32);
    size = u64(buf, record + 40);
    offset = u64(buf, record + 48);
  }
  if (offset + size > buf.length) throw new ZipError('corrupt zip archive (central directory out of range)');
  return { count, offset, size };
}

/** Reads the zip64 extended-information extra field, whose values appear only for the fields set to 0xffffffff. */
function applyZip64(buf: Buffer, extraStart: number, extraEnd: number, entry: ZipEntry): void {
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = buf.readUInt16LE(at);
    const len = buf.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let p = at + 4;
      const take = (): number => {
        if (p + 8 > at + 4 + len) throw new ZipError('corrupt zip64 extra field');
        const v = u64(buf, p);
        p += 8;
        return v;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = take();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
      return;
    }
    at += 4 + len;
  }
}

export function readCentralDirectory(buf: Buffer, maxEntries: number): ZipEntry[] {
  const { count, offset, size } = directoryBounds(buf);
  if (count > maxEntries) throw new ZipError(`zip archive has ${count} entries (limit ${maxEntries})`);
  const entries: ZipEntry[] = [];
  const end = offset + size;
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || buf.readUInt32LE(at) !== CENTRAL_SIG)
      throw new ZipError('corrupt zip archive (central directory)');
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      flags: buf.readUInt16LE(at + 8),
      method: buf.readUInt16LE(at + 10),
      compressedSize: buf.readUInt32LE(at + 20),
      uncompressedSize: buf.readUInt32LE(at + 24),
      localHeaderOffset: buf.readUInt32LE(at + 42),
      name: buf.toString('utf8', at + 46, at + 46 + nameLen),
    };
    applyZip64(buf, at + 46 + nameLen, at + 46 + nameLen + extraLen, entry);
    entries.push(entry);
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function entryData(buf: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== LOCAL_SIG) throw new ZipError(`corrupt zip entry ${entry.name}`);
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  if (start + entry.compressedSize > buf.length) throw new ZipError(`corrupt zip entry ${entry.name} (truncated)`);
  return buf.subarray(start, start + entry.compressedSize);
}

/** Inflates as a stream and only counts, so checking a large part costs time but no memory. */
function inflatedSize(data: Buffer, cap: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw();
    let total = 0;
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > cap) {
        inflater.destroy();
        resolve(total);
      }
    });
    inflater.on('end', () => resolve(total));
    inflater.on('error', (error) => reject(new ZipError(`corrupt deflate data: ${error.message}`)));
    inflater.end(data);
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Resolves to an error message when the archive must not be opened, or undefined when it is safe. */
export async function checkZip(bytes: Uint8Array, limits: ZipLimits = defaultZipLimits): Promise<string | undefined> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const entries = readCentralDirectory(buf, limits.maxEntries);
    let declared = 0;
    let compressed = 0;
    for (const e of entries) {
      if (e.flags & 0x1) return 'the document is encrypted';
      if (e.method !== 0 && e.method !== 8)
        return `zip entry ${e.name} uses unsupported compression method ${e.method}`;
      declared += e.uncompressedSize;
      compressed += e.compressedSize;
      if (e.uncompressedSize > limits.ratioCheckAbove && e.uncompressedSize > e.compressedSize * limits.maxRatio) {
        return `zip bomb suspected: ${e.name} expands ${mb(e.compressedSize)} to ${mb(e.uncompressedSize)}`;
      }
    }
    if (declared > limits.maxTotalUncompressed) {
      return `document too large: ${mb(declared)} uncompressed (limit ${mb(limits.maxTotalUncompressed)})`;
    }
    if (declared > limits.ratioCheckAbove && declared > compressed * limits.maxRatio) {
      return `zip bomb suspected: ${mb(compressed)} expands to ${mb(declared)}`;
    }
    for (const e of entries) {
      const data = entryData(buf, e);
      const actual = e.method === 0 ? data.length : await inflatedSize(data, e.uncompressedSize);
      if (actual > e.uncompressedSize)
        return `zip bomb suspected: ${e.name} expands beyond its declared ${e.uncompressedSize} bytes`;
    }
    return undefined;
  } catch (error) {
    if (error instanceof ZipError) return error.message;
    if (error instanceof RangeError) return 'corrupt zip archive';
    throw error;
  }
}
