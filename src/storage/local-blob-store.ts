import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type BlobInfo, type BlobStore, BlobTooLargeError, type PutOptions } from './blob-store.ts';

/** Blob store on the local file system under one root directory (the default; `DATA_DIR/blobs`). */
export class LocalBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    // Keys come from the service, but a bug must never be able to escape the root.
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`invalid blob key: ${key}`);
    return full;
  }

  async put(key: string, body: Readable | Uint8Array | string, options: PutOptions = {}): Promise<BlobInfo> {
    const source =
      typeof body === 'string' || body instanceof Uint8Array ? Readable.from(pieces(Buffer.from(body))) : body;
    // A client can cut an upload off while the directory below is being created, before pipeline() listens. The
    // stream keeps its error (pipeline rejects with it later); this listener only keeps it from crashing the process.
    source.on('error', () => {});
    const target = this.resolve(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let size = 0;
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const headBytes = options.headBytes ?? 0;
    const head: Buffer[] = [];
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (size < headBytes) head.push(chunk.subarray(0, headBytes - size));
        size += chunk.length;
        if (size > maxBytes) return callback(new BlobTooLargeError(maxBytes));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { size, sha256: hash.digest('hex'), ...(headBytes > 0 ? { head: Buffer.concat(head) } : {}) };
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.resolve(key));
  }

  stream(key: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.resolve(key), range ? { start: range.start, end: range.end } : {});
  }

  openAsBlob(key: string): Promise<Blob> {
    return openAsBlob(this.resolve(key));
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const s = await stat(this.resolve(key));
      return { size: s.size };
    } catch {
      return undefined;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.resolve(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    await rm(this.resolve(prefix), { force: true, recursive: true });
  }
}

/**
 * A finished artifact (megabytes of JSONL) handed over whole is still hashed and written in 64 KiB pieces: one piece
 * per turn of the stream, so the service's thread serves requests between them instead of hashing it all at once.
 */
const PIECE_BYTES = 64 * 1024;

function pieces(buffer: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += PIECE_BYTES) out.push(buffer.subarray(at, at + PIECE_BYTES));
  return out.length > 0 ? out : [buffer];
}
