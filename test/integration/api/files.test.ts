import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDocx, makeEncryptedPdf, makePdf, makeZipBombDocx } from '../../support/fixtures/index.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

let t: TestService;
let sourceId: string;

beforeAll(async () => {
  t = await startTestService({ settings: { maxUploadBytes: 256 * 1024 } });
  const project = await t.client.POST('/v1/projects', { body: { name: 'files' } });
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: project.data?.id as string } },
    body: { name: 'docs' },
  });
  sourceId = source.data?.id as string;
});
afterAll(async () => {
  await t?.stop();
});

async function extracted(id: string) {
  return waitFor(
    async () => {
      const file = await t.client.GET('/v1/files/{id}', { params: { path: { id } } });
      return file.data && file.data.status !== 'pending' ? file.data : undefined;
    },
    { what: `extraction of ${id}` },
  );
}

async function blobCount(): Promise<number> {
  const dir = path.join(t.dataDir, 'blobs', 'projects');
  try {
    const projects = await readdir(dir);
    let n = 0;
    for (const p of projects) n += (await readdir(path.join(dir, p, 'files')).catch(() => [])).length;
    return n;
  } catch {
    return 0;
  }
}

describe('file upload and extraction', () => {
  it('stores every supported format, sniffed from the bytes, and extracts its text', async () => {
    const pdf = await makePdf(['The first page talks about field training.', 'The second page covers logistics.']);
    const docx = await makeDocx(['Chaplains provide religious support.', 'They advise commanders.']);
    const res = await upload(t.baseUrl, sourceId, [
      { name: 'notes.txt', data: 'Plain text notes about training.\n\nSecond paragraph.' },
      { name: 'guide.md', data: '# Guide\n\nMarkdown content here.' },
      { name: 'manual.pdf', data: pdf },
      { name: 'memo.docx', data: docx },
      { name: 'records.jsonl', data: '{"text": "first record"}\n{"text": "second record"}\n' },
      { name: 'array.json', data: JSON.stringify([{ text: 'json array record' }]) },
    ]);
    expect(res.status).toBe(201);
    const byName = new Map(res.body.items?.map((f) => [f.name, f]));
    expect(byName.get('manual.pdf')?.format).toBe('pdf');
    expect(byName.get('memo.docx')?.format).toBe('docx');
    expect(byName.get('records.jsonl')?.format).toBe('jsonl');
    expect(byName.get('array.json')?.format).toBe('json');
    expect(byName.get('guide.md')?.format).toBe('md');

    for (const file of res.body.items ?? []) {
      const done = await extracted(file.id);
      expect(done.status, `${file.name}: ${done.error}`).toBe('extracted');
    }
    const pdfText = await fetch(`${t.baseUrl}/v1/files/${byName.get('manual.pdf')?.id}/text`);
    expect(await pdfText.text()).toContain('logistics');
    const docxText = await fetch(`${t.baseUrl}/v1/files/${byName.get('memo.docx')?.id}/text`);
    expect(await docxText.text()).toContain('advise commanders');
    const jsonlText = await fetch(`${t.baseUrl}/v1/files/${byName.get('records.jsonl')?.id}/text`);
    expect(await jsonlText.text()).toBe('first record\n\nsecond record');

    const content = await fetch(`${t.baseUrl}/v1/files/${byName.get('notes.txt')?.id}/content`, {
      headers: { range: 'bytes=0-4' },
    });
    expect(content.status).toBe(206);
    expect(await content.text()).toBe('Plain');
  });

  it('rejects a zero-byte file with a problem naming it', async () => {
    const res = await upload(t.baseUrl, sourceId, [{ name: 'empty.txt', data: '' }]);
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.errors?.[0]?.message).toContain('empty');
  });

  it('rejects binary data named .pdf that is not a PDF (415), keeping nothing of the request', async () => {
    const before = await blobCount();
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
    const res = await upload(t.baseUrl, sourceId, [
      { name: 'fine.txt', data: 'fine text that would be accepted alone' },
      { name: 'fake.pdf', data: png },
    ]);
    expect(res.status).toBe(415);
    expect(res.body.errors?.[0]?.path).toBe('files.1');
    expect(await blobCount()).toBe(before);
    const list = await t.client.GET('/v1/sources/{id}/files', { params: { path: { id: sourceId } } });
    expect(list.data?.items.map((f) => f.name)).not.toContain('fine.txt');
  });

  it('records encrypted, corrupt and zip-bomb documents as failed files with the reason', async () => {
    const res = await upload(t.baseUrl, sourceId, [
      { name: 'locked.pdf', data: makeEncryptedPdf() },
      { name: 'broken.pdf', data: '%PDF-1.7\nthis is not really a pdf body\n%%EOF' },
      { name: 'bomb.docx', data: makeZipBombDocx() },
    ]);
    expect(res.status).toBe(201);
    for (const file of res.body.items ?? []) {
      const done = await extracted(file.id);
      expect(done.status, file.name).toBe('failed');
      expect(done.error, file.name).toBeTruthy();
      const text = await fetch(`${t.baseUrl}/v1/files/${file.id}/text`);
      expect(text.status).toBe(422);
    }
    expect((await t.client.GET('/healthz')).data?.status).toBe('ok');
  });

  it('answers a file over the upload limit with 413 and stores nothing', async () => {
    const before = await blobCount();
    const res = await upload(t.baseUrl, sourceId, [{ name: 'big.txt', data: 'x'.repeat(300 * 1024) }]);
    expect(res.status).toBe(413);
    expect(res.contentType).toContain('application/problem+json');
    expect(await blobCount()).toBe(before);
    const list = await t.client.GET('/v1/sources/{id}/files', { params: { path: { id: sourceId } } });
    expect(list.data?.items.map((f) => f.name)).not.toContain('big.txt');
  });

  it('sanitises path traversal out of names and rejects NUL bytes', async () => {
    const ok = await upload(t.baseUrl, sourceId, [{ name: '../../etc/passwd.txt', data: 'not really passwd' }]);
    expect(ok.status).toBe(201);
    expect(ok.body.items?.[0]?.name).toBe('passwd.txt');
    const bad = await upload(t.baseUrl, sourceId, [{ name: 'evil\u0000.txt', data: 'nul in the name' }]);
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.path).toBe('files.0.filename');
  });

  it('rejects a second file with the same name in a source (409)', async () => {
    await upload(t.baseUrl, sourceId, [{ name: 'twice.txt', data: 'one' }]);
    const again = await upload(t.baseUrl, sourceId, [{ name: 'twice.txt', data: 'two' }]);
    expect(again.status).toBe(409);
  });

  it('keeps exactly one of two concurrent uploads of the same name, and no bytes of the other', async () => {
    const before = await blobCount();
    const results = await Promise.all(
      ['first', 'second', 'third'].map((data) => upload(t.baseUrl, sourceId, [{ name: 'raced.txt', data }])),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    for (const r of results.filter((x) => x.status === 409))
      expect(r.contentType).toContain('application/problem+json');
    expect(await blobCount()).toBe(before + 1);
  });

  it('deletes a source with its files and their stored bytes', async () => {
    const project = await t.client.POST('/v1/projects', { body: { name: 'doomed' } });
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: project.data?.id as string } },
      body: { name: 'doomed' },
    });
    const id = source.data?.id as string;
    const before = await blobCount();
    await upload(t.baseUrl, id, [
      { name: 'a.txt', data: 'to be deleted' },
      { name: 'b.txt', data: 'also deleted' },
    ]);
    expect(await blobCount()).toBe(before + 2);
    const deleted = await t.client.DELETE('/v1/sources/{id}', { params: { path: { id } } });
    expect(deleted.response.status).toBe(204);
    expect(await blobCount()).toBe(before);
    const gone = await t.client.GET('/v1/sources/{id}/files', { params: { path: { id } } });
    expect(gone.response.status).toBe(404);
  });

  it('replaces invalid UTF-8 and counts it; counts broken jsonl lines with their numbers', async () => {
    const invalid = new Uint8Array([
      ...new TextEncoder().encode('valid start '),
      0xff,
      0xfe,
      ...new TextEncoder().encode(' valid end'),
    ]);
    const res = await upload(t.baseUrl, sourceId, [
      { name: 'latin.txt', data: invalid },
      { name: 'mixed.jsonl', data: '{"text": "good one"}\n{broken json\n{"no_text": 1}\n{"text": "good two"}\n' },
    ]);
    expect(res.status).toBe(201);
    const [latin, mixed] = res.body.items ?? [];
    const latinDone = await extracted(latin?.id as string);
    expect(latinDone.status).toBe('extracted');
    expect(latinDone.stats?.replacedChars).toBeGreaterThan(0);
    const mixedDone = await extracted(mixed?.id as string);
    expect(mixedDone.status).toBe('extracted');
    expect(mixedDone.stats?.records).toBe(2);
    const badLines = mixedDone.stats?.badLines as Array<{ line: number }>;
    expect(badLines.map((b) => b.line)).toEqual([2, 3]);
  });

  it('rejects a non-multipart upload with 415', async () => {
    const res = await fetch(`${t.baseUrl}/v1/sources/${sourceId}/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
