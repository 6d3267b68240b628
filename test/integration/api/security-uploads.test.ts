/**
 * Uploads cut off at any byte, or abandoned by their client, never crash the process and never leave a file or a
 * stored blob behind; a complete but malformed multipart body answers 400 problem+json.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isProblem, rawRequest, sendAndCut } from '../../support/raw-http.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { waitFor } from '../../support/wait.ts';

let t: TestService;
let sourceId: string;
beforeAll(async () => {
  t = await startTestService();
  const project = await t.client.POST('/v1/projects', { body: { name: 'uploads' } });
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: project.data?.id as string } },
    body: { name: 'docs' },
  });
  sourceId = source.data?.id as string;
});
afterAll(async () => {
  await t?.stop();
});

const boundary = 'XyZ';
const multipart = (parts: Array<{ name: string; text: string }>, closing = true) =>
  Buffer.from(
    parts
      .map(
        (p) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${p.name}"\r\n` +
          `Content-Type: text/plain\r\n\r\n${p.text}\r\n`,
      )
      .join('') + (closing ? `--${boundary}--\r\n` : ''),
  );

function request(body: Buffer, declaredLength = body.length): Buffer {
  const head =
    `POST /v1/sources/${sourceId}/files HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${declaredLength}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

async function storedBlobs(): Promise<string[]> {
  const root = path.join(t.dataDir, 'blobs');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

const fileCount = async () =>
  (await t.client.GET('/v1/sources/{id}/files', { params: { path: { id: sourceId } } })).data?.items.length;

it('answers 400 problem+json to a complete body without its closing boundary (the reported crash)', async () => {
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n\r\nhello`,
  );
  const response = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/sources/${sourceId}/files`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
  expect(response.status).toBe(400);
  expect(isProblem(response)).toBe(true);
});

it('answers 400 problem+json to multipart without a boundary', async () => {
  const response = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/sources/${sourceId}/files`,
    headers: { 'content-type': 'multipart/form-data' },
    body: 'hello',
  });
  expect(response.status).toBe(400);
  expect(isProblem(response)).toBe(true);
});

it('survives bodies cut at every point, half-closed or abandoned, and keeps nothing', async () => {
  const body = multipart([
    { name: 'a.txt', text: 'First file. '.repeat(40) },
    { name: 'b.txt', text: 'Second file. '.repeat(40) },
  ]);
  const whole = request(body);
  const headerLength = whole.length - body.length;
  // Cut points through the request head, the part headers, the file data and the closing boundary.
  const cuts = new Set<number>();
  for (let at = 1; at < whole.length; at += Math.max(1, Math.floor(whole.length / 60))) cuts.add(at);
  for (const near of [headerLength, headerLength + 60, headerLength + 90, whole.length - 8, whole.length - 1]) {
    cuts.add(near);
  }
  for (const at of cuts) {
    for (const how of ['end', 'abort'] as const) {
      const answer = await sendAndCut(t.baseUrl, whole.subarray(0, at), how);
      // Whatever was answered, if anything, is a client error in problem+json: never a 5xx.
      if (answer) expect(answer, `cut at ${at} (${how})`).not.toMatch(/^HTTP\/1\.1 5/);
    }
  }
  expect((await rawRequest(t.baseUrl, { method: 'GET', path: '/healthz' })).status).toBe(200);
  expect(await fileCount()).toBe(0);
  // Aborted uploads are cleaned up as their streams settle, which can trail the client's disconnect.
  await waitFor(async () => (await storedBlobs()).length === 0, { what: 'partial blobs to be removed' });
});

it('still accepts a whole upload afterwards', async () => {
  const response = await rawRequest(t.baseUrl, {
    method: 'POST',
    path: `/v1/sources/${sourceId}/files`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: multipart([{ name: 'ok.txt', text: 'A whole file.' }]),
  });
  expect(response.status).toBe(201);
  expect(await fileCount()).toBe(1);
});
