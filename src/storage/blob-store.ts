import type { Readable } from 'node:stream';

/**
 * Where uploads, extracted texts and run outputs live. Keys are slash-separated relative paths chosen by the service
 * (never by clients). Writes are atomic: a reader sees the whole blob or nothing.
 */
export interface BlobStore {
  /**
   * Streams `body` into `key`; the limit is enforced while streaming, and nothing is left behind on failure. A stream
   * that errors at any moment, even before the first await, rejects the promise instead of crashing the process.
   */
  put(key: string, body: Readable | Uint8Array | string, options?: PutOptions): Promise<BlobInfo>;
  get(key: string): Promise<Buffer>;
  stream(key: string, range?: { start: number; end: number }): Readable;
  stat(key: string): Promise<{ size: number } | undefined>;
  /** The blob as a web Blob read lazily from storage (for uploads that take one, without loading it whole). */
  openAsBlob(key: string): Promise<Blob>;
  delete(key: string): Promise<void>;
  /** Deletes every blob under a prefix (a project's or a run's). */
  deletePrefix(prefix: string): Promise<void>;
}

export interface PutOptions {
  maxBytes?: number;
  /** Keep the first `headBytes` bytes in `BlobInfo.head` (uploads sniff their format from them). */
  headBytes?: number;
}

export interface BlobInfo {
  size: number;
  sha256: string;
  /** The first `headBytes` bytes, when asked for. */
  head?: Buffer;
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob exceeds ${maxBytes} bytes`);
  }
}
