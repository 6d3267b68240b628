/**
 * Generic datasets from a (fake) Hugging Face Hub through the real `@huggingface/hub` client: JSON Lines and Parquet
 * train splits, the first N rows, the cache keyed by commit (a second fetch downloads nothing; a new commit does),
 * private repos and tokens, and the hub's refusals and faults told apart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubRequestError } from '../../../src/hub/hub-client.ts';
import { HubDatasets } from '../../../src/jobs/hub-datasets.ts';
import type { DatasetSnapshot } from '../../../src/pipelines/datasets-port.ts';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.ts';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';

const conversation = (i: number) => ({
  conversations: [
    { from: 'human', value: `Question number ${i}?` },
    { from: 'gpt', value: `Answer number ${i}.` },
  ],
});
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

let hub: FakeHub;
let dir: string;
let blobs: LocalBlobStore;
const datasets = (token?: string) =>
  new HubDatasets(blobs, { hubUrl: hub.url, ...(token ? { accessToken: token } : {}) });

async function rowsOf(snapshot: DatasetSnapshot) {
  const out = [];
  for await (const row of datasets().rows(snapshot)) out.push(row);
  return out;
}

beforeAll(async () => {
  hub = await startFakeHub();
  dir = await mkdtemp(path.join(tmpdir(), 'hub-cache-'));
  blobs = new LocalBlobStore(dir);
});

afterAll(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

describe('HubDatasets', () => {
  it('keeps the first rows of a JSON Lines train split, skipping rows that are no conversation', async () => {
    hub.putDataset('org/lines', {
      'README.md': '# card',
      'data/train.jsonl': `${jsonl([conversation(0), { text: 'not a chat' }, conversation(2)])}\nnot json\n${jsonl([conversation(4)])}`,
      'data/test.jsonl': jsonl([conversation(99)]),
    });
    const result = await datasets().snapshot({ repo: 'org/lines', revision: 'main', maxRows: 4 });
    if (!result.ok) throw new Error(result.reason);
    expect(result.snapshot).toMatchObject({ repo: 'org/lines', files: ['data/train.jsonl'], rows: 2, skippedRows: 2 });
    expect(await rowsOf(result.snapshot)).toEqual([conversation(0), conversation(2)]);
    const tokens = await datasets().rowTokens(result.snapshot);
    expect(tokens).toHaveLength(2);
    expect(tokens.reduce((a, b) => a + b)).toBe(result.snapshot.tokens);
  });

  it('reads a Parquet train split across files, and fetches nothing again for the same commit', async () => {
    const part = (from: number, count: number) =>
      parquetWriteBuffer({
        columnData: [
          {
            name: 'conversations',
            data: Array.from({ length: count }, (_, i) => conversation(from + i).conversations),
          },
          { name: 'id', data: Array.from({ length: count }, (_, i) => BigInt(from + i)) },
        ],
      });
    hub.putDataset('org/parquet', {
      'data/train-00000-of-00002.parquet': new Uint8Array(part(0, 3)),
      'data/train-00001-of-00002.parquet': new Uint8Array(part(3, 3)),
    });
    const first = await datasets().snapshot({ repo: 'org/parquet', revision: 'main', maxRows: 5 });
    if (!first.ok) throw new Error(first.reason);
    expect(first.snapshot.rows).toBe(5);
    expect(await rowsOf(first.snapshot)).toEqual([0, 1, 2, 3, 4].map(conversation));

    const before = hub.counters().downloads;
    const again = await datasets().snapshot({ repo: 'org/parquet', revision: 'main', maxRows: 5 });
    expect(again).toEqual(first);
    expect(hub.counters().downloads).toBe(before);

    // Another row limit prepares again from the kept files: still no download.
    const more = await datasets().snapshot({ repo: 'org/parquet', revision: 'main', maxRows: 100 });
    expect(more.ok && more.snapshot.rows).toBe(6);
    expect(hub.counters().downloads).toBe(before);
  });

  it('fetches again when the revision moves to a new commit', async () => {
    hub.putDataset('org/moving', { 'train.jsonl': jsonl([conversation(1)]) });
    const first = await datasets().snapshot({ repo: 'org/moving', revision: 'main', maxRows: 10 });
    hub.putDataset('org/moving', { 'train.jsonl': jsonl([conversation(1), conversation(2)]) });
    const second = await datasets().snapshot({ repo: 'org/moving', revision: 'main', maxRows: 10 });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.snapshot.commit).not.toBe(first.snapshot.commit);
    expect(second.snapshot.rows).toBe(2);
  });

  it('reads a private dataset with its token only', async () => {
    hub.putDataset('org/private', { 'train.jsonl': jsonl([conversation(1)]) }, { token: 'hf_secret' });
    const refused = await datasets().snapshot({ repo: 'org/private', revision: 'main', maxRows: 10 });
    expect(refused).toEqual({ ok: false, reason: expect.stringMatching(/^org\/private: HTTP 401 /) });
    const read = await datasets('hf_secret').snapshot({ repo: 'org/private', revision: 'main', maxRows: 10 });
    expect(read.ok && read.snapshot.rows).toBe(1);
  });

  it('refuses, naming the repo and the reason, what no retry can change', async () => {
    expect(await datasets().snapshot({ repo: 'org/missing', revision: 'main', maxRows: 10 })).toEqual({
      ok: false,
      reason: 'org/missing: HTTP 404 Repository not found',
    });
    hub.putDataset('org/test-only', { 'test.jsonl': jsonl([conversation(1)]) });
    expect(await datasets().snapshot({ repo: 'org/test-only', revision: 'main', maxRows: 10 })).toEqual({
      ok: false,
      reason: 'org/test-only: no train split among its 1 files (JSON Lines, JSON or Parquet data files)',
    });
  });

  it('throws a fault worth retrying (a 5xx while downloading) and leaves nothing half written', async () => {
    hub.putDataset('org/flaky', { 'train.jsonl': jsonl([conversation(1)]) });
    hub.failNext('/resolve/', 503, 1);
    const error = await datasets()
      .snapshot({ repo: 'org/flaky', revision: 'main', maxRows: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubRequestError);
    expect((error as HubRequestError).permanent).toBe(false);
    expect((error as HubRequestError).message).toMatch(/^org\/flaky: HTTP 503/);
    const retried = await datasets().snapshot({ repo: 'org/flaky', revision: 'main', maxRows: 10 });
    expect(retried.ok && retried.snapshot.rows).toBe(1);
  });
});
