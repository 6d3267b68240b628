import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Db, isUniqueViolation } from '../../db/client.ts';
import { deleteFile, type FileRow, findFileByName, getFile, insertFile, listFiles } from '../../db/queries/files.ts';
import { getSource } from '../../db/queries/sources.ts';
import { sanitizeFileName } from '../../ingest/filename.ts';
import { sniffFormat } from '../../ingest/sniff.ts';
import { notFound, type ProblemFieldError, ServiceError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { BlobTooLargeError } from '../../storage/blob-store.ts';
import type { AppDeps } from '../deps.ts';
import { sendBlob } from '../http-range.ts';
import { multipartError } from '../multipart-errors.ts';
import { IdParam, PageQuery, pageOf, problemResponses, validateAllButBody } from '../schemas/common.ts';

export const FileSchema = z
  .object({
    id: z.string(),
    source_id: z.string(),
    project_id: z.string(),
    name: z.string().describe('Sanitised file name'),
    size: z.number().int(),
    sha256: z.string(),
    media_type: z.string().describe('Sniffed from the bytes, not the name'),
    format: z.enum(['txt', 'md', 'pdf', 'docx', 'jsonl', 'json']),
    status: z.enum(['pending', 'extracted', 'failed']).describe('Text extraction status'),
    error: z.string().nullable().describe('Why extraction failed'),
    text_chars: z.number().int().nullable(),
    stats: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('Replaced invalid bytes, bad jsonl lines with line numbers …'),
    created_at: z.string(),
  })
  .meta({ id: 'File' });

const toFile = (f: FileRow): z.infer<typeof FileSchema> => ({
  id: f.id,
  source_id: f.sourceId,
  project_id: f.projectId,
  name: f.name,
  size: f.size,
  sha256: f.sha256,
  media_type: f.mediaType,
  format: f.format as z.infer<typeof FileSchema>['format'],
  status: f.status,
  error: f.error,
  text_chars: f.textChars,
  stats: (f.stats as Record<string, unknown> | null) ?? null,
  created_at: f.createdAt.toISOString(),
});

interface StagedFile {
  row: typeof import('../../db/schema/index.ts').files.$inferInsert;
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;

  app.post(
    '/v1/sources/:id/files',
    {
      schema: {
        tags: ['files'],
        summary: 'Upload one or more documents (multipart/form-data, streamed)',
        description:
          'Each file part is streamed to storage with its sha256; the format is sniffed from the bytes (txt, md, pdf, docx, jsonl, json). ' +
          'All-or-nothing: if any part is rejected, nothing from the request is kept. Text extraction starts right away.',
        params: IdParam('Source', 'src'),
        consumes: ['multipart/form-data'],
        body: z
          .object({ file: z.string().meta({ format: 'binary' }).describe('Repeat the part for several files') })
          .meta({ id: 'FileUpload' }),
        response: {
          201: z.object({ items: z.array(FileSchema) }).meta({ id: 'UploadedFiles' }),
          ...problemResponses,
          409: problemResponses[400].describe('A file with that name already exists in the source'),
          413: problemResponses[400].describe('A file exceeds the upload limit'),
          415: problemResponses[400].describe('Not multipart, or a file of an unsupported format'),
        },
      },
      validatorCompiler: validateAllButBody,
    },
    async (request, reply) => {
      const source = await getSource(db, request.tenantId, request.params.id);
      if (!source) throw notFound('source', request.params.id);
      if (!request.isMultipart()) {
        throw new ServiceError('unsupported-media-type', 'upload files as multipart/form-data');
      }
      const staged: StagedFile[] = [];
      const errors: ProblemFieldError[] = [];
      let kind: 'validation' | 'unsupported-media-type' | 'conflict' = 'validation';
      const discard = () => Promise.all(staged.map((s) => blobs.delete(s.row.blobKey)));
      try {
        let index = 0;
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue;
          const at = `files.${index++}`;
          const cleaned = sanitizeFileName(part.filename ?? '');
          if ('error' in cleaned) {
            part.file.resume();
            errors.push({ path: `${at}.filename`, message: cleaned.error });
            continue;
          }
          const id = newId('file');
          const blobKey = `projects/${source.projectId}/files/${id}`;
          // The first 8 KiB are kept as the bytes stream past, for sniffing; the rest goes straight to storage.
          const stored = await blobs.put(blobKey, part.file, {
            maxBytes: deps.settings.maxUploadBytes,
            headBytes: 8192,
          });
          if (part.file.truncated) {
            await blobs.delete(blobKey);
            throw new BlobTooLargeError(deps.settings.maxUploadBytes);
          }
          const row = {
            id,
            tenantId: request.tenantId,
            projectId: source.projectId,
            sourceId: source.id,
            name: cleaned.name,
            size: stored.size,
            sha256: stored.sha256,
            blobKey,
            mediaType: '',
            format: '',
          };
          staged.push({ row });
          if (stored.size === 0) {
            errors.push({ path: at, message: `${cleaned.name}: the file is empty` });
            continue;
          }
          const sniffed = sniffFormat(stored.head ?? Buffer.alloc(0), cleaned.name);
          if ('error' in sniffed) {
            kind = 'unsupported-media-type';
            errors.push({ path: at, message: `${cleaned.name}: ${sniffed.error}` });
            continue;
          }
          row.mediaType = sniffed.mediaType;
          row.format = sniffed.format;
          if (
            staged.filter((s) => s.row.name === cleaned.name).length > 1 ||
            (await findFileByName(db, source.id, cleaned.name))
          ) {
            kind = 'conflict';
            errors.push({ path: at, message: `${cleaned.name}: the source already has a file with this name` });
          }
        }
      } catch (error) {
        await discard();
        throw multipartError(error, deps.settings.maxUploadBytes);
      }
      if (errors.length > 0 || staged.length === 0) {
        await discard();
        if (staged.length === 0 && errors.length === 0) {
          throw new ServiceError('validation', 'the request has no file part', {
            errors: [{ path: 'files', message: 'add at least one file part' }],
          });
        }
        throw new ServiceError(kind, 'some files were rejected; nothing from this request was kept', { errors });
      }
      let rows: FileRow[];
      try {
        rows = await insertAll(db, staged);
      } catch (error) {
        await discard();
        // Another upload took one of these names between our check and the insert.
        if (isUniqueViolation(error)) {
          throw new ServiceError('conflict', 'a file with one of these names was uploaded meanwhile; nothing was kept');
        }
        throw error;
      }
      for (const row of rows) await deps.jobs.sendExtractFile(row.id);
      return reply
        .code(201)
        .header('location', `/v1/files/${rows[0]?.id}`)
        .send({ items: rows.map(toFile) });
    },
  );

  app.get(
    '/v1/sources/:id/files',
    {
      schema: {
        tags: ['files'],
        summary: 'List the files of a source',
        params: IdParam('Source', 'src'),
        querystring: PageQuery,
        response: { 200: pageOf(FileSchema, 'FilePage'), ...problemResponses },
      },
    },
    async (request) => {
      const source = await getSource(db, request.tenantId, request.params.id);
      if (!source) throw notFound('source', request.params.id);
      const page = await listFiles(db, request.tenantId, source.id, request.query);
      return { items: page.items.map(toFile), next_cursor: page.nextCursor };
    },
  );

  const params = IdParam('File', 'file');
  app.get(
    '/v1/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Get a file and its extraction status',
        params,
        response: { 200: FileSchema, ...problemResponses },
      },
    },
    async (request) => {
      const file = await getFile(db, request.tenantId, request.params.id);
      if (!file) throw notFound('file', request.params.id);
      return toFile(file);
    },
  );

  app.delete(
    '/v1/files/:id',
    {
      schema: {
        tags: ['files'],
        summary: 'Delete a file',
        params,
        response: { 204: z.null().describe('Deleted'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const file = await deleteFile(db, request.tenantId, request.params.id);
      if (!file) throw notFound('file', request.params.id);
      await blobs.delete(file.blobKey);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/files/:id/content',
    {
      schema: {
        tags: ['files'],
        summary: 'Download the file as uploaded (supports Range)',
        params,
        response: { 200: z.any().describe('The bytes'), 206: z.any().describe('Partial content'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const file = await getFile(db, request.tenantId, request.params.id);
      if (!file) throw notFound('file', request.params.id);
      return sendBlob(request, reply, {
        size: file.size,
        mediaType: file.mediaType,
        fileName: file.name,
        open: (range) => blobs.stream(file.blobKey, range),
      });
    },
  );

  app.get(
    '/v1/files/:id/text',
    {
      schema: {
        tags: ['files'],
        summary: 'The extracted text (documents of a jsonl file separated by blank lines)',
        params,
        response: {
          200: z.string().describe('text/plain; charset=utf-8'),
          ...problemResponses,
          409: problemResponses[400].describe('Extraction has not finished yet'),
          422: problemResponses[400].describe('The file could not be extracted; `detail` says why'),
        },
      },
    },
    async (request, reply) => {
      const file = await getFile(db, request.tenantId, request.params.id);
      if (!file) throw notFound('file', request.params.id);
      if (file.status === 'pending')
        throw new ServiceError('conflict', 'text extraction has not finished yet; retry shortly');
      if (file.status === 'failed' || !file.textBlobKey) {
        throw new ServiceError('unprocessable', `text extraction failed: ${file.error ?? 'unknown error'}`);
      }
      const documents = (await blobs.get(file.textBlobKey))
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { text: string }).text);
      return reply.type('text/plain; charset=utf-8').send(documents.join('\n\n'));
    },
  );
};

async function insertAll(db: Db, staged: StagedFile[]): Promise<FileRow[]> {
  return db.transaction(async (tx) => {
    const rows: FileRow[] = [];
    for (const s of staged) rows.push(await insertFile(tx, s.row));
    return rows;
  });
}

export default routes;
