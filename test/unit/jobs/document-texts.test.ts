/**
 * Documents by reference: an extraction's index must point at exactly each document's line, whether made with the
 * body or later from it, and a text read by its reference must be the text extracted (also past ASCII).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentsOfFile,
  extractionBody,
  extractionIndex,
  indexKeyOf,
  indexOfBody,
  readText,
} from '../../../src/jobs/document-texts.ts';
import { sha256Hex } from '../../../src/lib/hash.ts';
import { LocalBlobStore } from '../../../src/storage/local-blob-store.ts';

const documents = [
  { text: 'Plain text.\nWith a second line.' },
  { text: 'Größe, café, 日本語の文書, emoji 🚀 and a "quoted" word', metadata: 'record-2' },
  { text: '' },
  { text: 'Last.', metadata: 'récord' },
];

let dir: string;
let blobs: LocalBlobStore;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'document-texts-'));
  blobs = new LocalBlobStore(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('extraction index', () => {
  it("points at each document's line, with its digest and length, as the body is made and when made from it", () => {
    const { body, index } = extractionBody(documents);
    expect(body.split('\n').map((line) => JSON.parse(line))).toEqual(documents);
    const bytes = Buffer.from(body);
    expect(index.map((e) => JSON.parse(bytes.toString('utf8', e.start, e.end)))).toEqual(documents);
    expect(index.map((e) => e.sha256)).toEqual(documents.map((d) => sha256Hex(d.text)));
    expect(index.map((e) => e.chars)).toEqual(documents.map((d) => d.text.length));
    expect(index.map((e) => e.metadata)).toEqual(documents.map((d) => d.metadata));
    expect(indexOfBody(bytes)).toEqual(index);
    expect(extractionBody([])).toEqual({ body: '', index: [] });
    expect(indexOfBody(Buffer.alloc(0))).toEqual([]);
  });

  it('is made once for an extraction stored without one, and texts read by reference are the texts', async () => {
    const key = 'texts/abc-jsonl-v1.jsonl';
    await blobs.put(key, extractionBody(documents).body);
    expect(await blobs.stat(indexKeyOf(key))).toBeUndefined();
    const refs = await documentsOfFile(blobs, {
      sourceName: 's',
      fileId: 'f1',
      fileName: 'records.jsonl',
      format: 'jsonl',
      textBlobKey: key,
    });
    expect(await blobs.stat(indexKeyOf(key))).toBeDefined();
    expect(await extractionIndex(blobs, key)).toEqual(extractionBody(documents).index);
    expect(refs.map((r) => r.metadata)).toEqual(['records.jsonl', 'record-2', 'records.jsonl', 'récord']);
    // An index that does not read back is made again.
    await blobs.put(indexKeyOf(key), '[{"start":0,');
    expect(await extractionIndex(blobs, key)).toEqual(extractionBody(documents).index);
    for (const [i, ref] of refs.entries()) expect(await readText(blobs, ref.text)).toBe(documents[i]?.text);
  });

  it('reads a whole-blob text and an inline one', async () => {
    await blobs.put('runs/r/stage-results/pdf_cleaning/x.txt', 'Cleaned — text');
    expect(await readText(blobs, { kind: 'blob', key: 'runs/r/stage-results/pdf_cleaning/x.txt' })).toBe(
      'Cleaned — text',
    );
    expect(await readText(blobs, { kind: 'inline', text: 'here' })).toBe('here');
  });
});
