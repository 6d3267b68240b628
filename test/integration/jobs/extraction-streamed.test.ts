/**
 * Uploaded text, Markdown and JSON Lines are extracted a chunk at a time from the blob store into the documents'
 * JSONL: a file larger than many chunks gives exactly the JSONL and index of extracting it whole, and a file refused
 * part way (over the character limit) or at the end (no text) is recorded as failed with no JSONL left behind.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getFileById } from '../../../src/db/queries/files.ts';
import { extractText } from '../../../src/ingest/extract/index.ts';
import { extractionBody, indexKeyOf } from '../../../src/jobs/document-texts.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

let t: TestService | undefined;
afterAll(async () => {
  await t?.stop();
});

const MAX_CHARS = 400_000;

/** ~300 KB of text over many 64 KiB chunks: CRLF line ends, multi-byte characters, a NUL, a quote, a backslash. */
function largeText(): string {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++)
    lines.push(`Line ${i}: Grüße ☃ 𝄞 "quoted" \\ back${i === 2000 ? '\u0000' : ''} slash.`);
  return lines.join('\r\n');
}

async function blobFiles(dataDir: string): Promise<string[]> {
  const dir = path.join(dataDir, 'blobs', 'texts');
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

describe('streamed extraction of an upload', () => {
  it('writes the JSONL of the whole file, and leaves nothing behind for a refused one', async () => {
    t = await startTestService({ settings: { maxExtractedChars: MAX_CHARS } });
    const service = t;
    const project = await service.client.POST('/v1/projects', { body: { name: 'streamed-extraction' } });
    const source = await service.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: project.data?.id as string } },
      body: { name: 'docs' },
    });
    const sourceId = source.data?.id as string;
    const large = largeText();
    const records = Array.from({ length: 500 }, (_, i) => JSON.stringify({ text: `Record ${i} ☃ `.repeat(20) }));
    const posted = await upload(service.baseUrl, sourceId, [
      { name: 'large.txt', data: large },
      { name: 'records.jsonl', data: `${records.join('\n')}\n{"broken"\n` },
      { name: 'too-long.md', data: 'x'.repeat(MAX_CHARS + 1) },
      { name: 'blank.txt', data: ' \r\n\t \n'.repeat(30_000) },
    ]);
    expect(posted.status).toBe(201);
    const items = await waitFor(
      async () => {
        const listed = await service.client.GET('/v1/sources/{id}/files', { params: { path: { id: sourceId } } });
        const all = listed.data?.items ?? [];
        return all.length === 4 && all.every((f) => f.status !== 'pending') ? all : undefined;
      },
      { what: 'all four files settled' },
    );
    const byName = new Map(items.map((f) => [f.name, f]));
    expect(byName.get('too-long.md')).toMatchObject({
      status: 'failed',
      error: `extracted text exceeds the limit of ${MAX_CHARS} characters`,
    });
    expect(byName.get('blank.txt')).toMatchObject({ status: 'failed', error: 'the file contains no text' });

    const db = service.database.db;
    for (const [name, data, format] of [
      ['large.txt', large, 'txt'],
      ['records.jsonl', `${records.join('\n')}\n{"broken"\n`, 'jsonl'],
    ] as const) {
      const item = byName.get(name);
      expect(item?.status, name).toBe('extracted');
      const row = await getFileById(db, item?.id as string);
      const whole = await extractText(new TextEncoder().encode(data), format, { maxChars: MAX_CHARS });
      if (!whole.ok) throw new Error(whole.error);
      const expected = extractionBody(whole.documents);
      const key = row?.textBlobKey as string;
      expect(await readFile(path.join(service.dataDir, 'blobs', key), 'utf8'), name).toBe(expected.body);
      const index = JSON.parse(await readFile(path.join(service.dataDir, 'blobs', indexKeyOf(key)), 'utf8'));
      expect(index, name).toEqual(expected.index);
      expect(item?.text_chars, name).toBe(whole.documents.reduce((n, d) => n + d.text.length, 0));
      expect(item?.stats, name).toEqual({ ...whole.stats, records: whole.documents.length });
    }
    // Only the two extracted files' JSONL and indexes: no partial write of the refused ones.
    expect(await blobFiles(service.dataDir)).toHaveLength(4);
  });
});
