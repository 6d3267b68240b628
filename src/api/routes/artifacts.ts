import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import tar from 'tar-stream';
import { z } from 'zod';
import { type ArtifactRow, getArtifact, listArtifacts } from '../../db/queries/artifacts.ts';
import { getRun } from '../../db/queries/runs.ts';
import { notFound } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { sendBlob } from '../http-range.ts';
import { Cursor, IdParam, problemResponses } from '../schemas/common.ts';

const Artifact = z
  .object({
    path: z
      .string()
      .describe("Path in the original's output tree, e.g. `pretraining_run/axolotl_pretraining_config.yaml`"),
    stage: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    media_type: z.string(),
    records: z
      .number()
      .int()
      .nullable()
      .describe('Records in the file (JSON Lines lines, JSON array entries); null for other files'),
    created_at: z.string(),
  })
  .meta({ id: 'Artifact' });

const toArtifact = (a: ArtifactRow): z.infer<typeof Artifact> => ({
  path: a.path,
  stage: a.stage,
  size: a.size,
  sha256: a.sha256,
  media_type: a.mediaType,
  records: a.records,
  created_at: a.createdAt.toISOString(),
});

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db, blobs } = deps;
  const params = IdParam('Run', 'run');

  app.get(
    '/v1/runs/:id/artifacts',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'The output tree of a run, as a flat list of paths (filter a folder with `prefix`)',
        params,
        querystring: z.object({
          prefix: z.string().max(500).optional().describe('Only paths starting with this, e.g. `pretraining_run/`'),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
          cursor: Cursor(1000).optional(),
        }),
        response: {
          200: z
            .object({ items: z.array(Artifact), directories: z.array(z.string()), next_cursor: z.string().nullable() })
            .meta({ id: 'ArtifactPage' }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const all = await listArtifacts(db, run.id, request.query.prefix);
      const after = request.query.cursor ? Buffer.from(request.query.cursor, 'base64url').toString('utf8') : undefined;
      const rest = after === undefined ? all : all.filter((a) => a.path > after);
      const items = rest.slice(0, request.query.limit);
      const last = items[items.length - 1];
      const directories = [...new Set(all.map((a) => a.path.split('/').slice(0, -1).join('/')).filter(Boolean))].sort();
      return {
        items: items.map(toArtifact),
        directories,
        next_cursor: rest.length > items.length && last ? Buffer.from(last.path).toString('base64url') : null,
      };
    },
  );

  app.get(
    '/v1/runs/:id/artifacts/*',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Download one artifact (supports Range)',
        params: z.object({ id: z.string(), '*': z.string().min(1).describe('Artifact path') }),
        response: { 200: z.any().describe('The file'), 206: z.any(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const artifact = await getArtifact(db, run.id, request.params['*']);
      if (!artifact) throw notFound('artifact', request.params['*']);
      return sendBlob(request, reply, {
        size: artifact.size,
        mediaType: artifact.mediaType,
        fileName: artifact.path.split('/').pop() ?? artifact.path,
        open: (range) => blobs.stream(artifact.blobKey, range),
      });
    },
  );

  app.get(
    '/v1/runs/:id/bundle',
    {
      schema: {
        tags: ['artifacts'],
        summary: 'Every artifact of the run as one tar.gz (streamed)',
        params,
        response: { 200: z.any().describe('application/gzip'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const all = await listArtifacts(db, run.id);
      const pack = tar.pack();
      void (async () => {
        try {
          for (const artifact of all) {
            // One artifact at a time, streamed: a bundle of large outputs never sits in memory.
            const entry = pack.entry({
              name: `${run.id}/${artifact.path}`,
              size: artifact.size,
              mtime: artifact.createdAt,
            });
            await pipeline(blobs.stream(artifact.blobKey), entry);
          }
          pack.finalize();
        } catch (error) {
          pack.destroy(error as Error);
        }
      })();
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${run.id}.tar.gz"`)
        .send(pack.pipe(createGzip()));
    },
  );
};

export default routes;
