import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobTooLargeError } from '../../../src/storage/blob-store.ts';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.ts';

let root: string;
let store: LocalBlobStore;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'blob-store-'));
  store = new LocalBlobStore(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('local blob store', () => {
  it('writes a body given whole, across many pieces, with its size, digest and head', async () => {
    // 200 KB of multi-byte text: more than three 64 KiB pieces, with characters cut at piece edges.
    const text = 'Übung macht den Meister 🦙\n'.repeat(7000);
    const info = await store.put('run/a.jsonl', text, { headBytes: 10 });
    expect(info.size).toBe(Buffer.byteLength(text));
    expect(info.sha256).toBe(sha256(text));
    expect(info.head?.toString('utf8', 0, 6)).toBe('Übung');
    expect((await store.get('run/a.jsonl')).toString('utf8')).toBe(text);
  });

  it('writes an empty body', async () => {
    expect(await store.put('run/empty', '')).toEqual({ size: 0, sha256: sha256('') });
    expect((await store.get('run/empty')).length).toBe(0);
  });

  it('refuses a body over its limit and leaves nothing behind', async () => {
    await expect(store.put('run/big', Buffer.alloc(200_000, 1), { maxBytes: 100_000 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(await store.stat('run/big')).toBeUndefined();
    expect((await readdir(path.join(root, 'run'))).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('never resolves a key outside its root', async () => {
    await expect(store.put('../escape', 'x')).rejects.toThrow(/invalid blob key/);
  });
});
