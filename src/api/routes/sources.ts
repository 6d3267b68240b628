import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sourcePatchSchema, sourceSettingsSchema } from '../../config/composition/source-settings.ts';
import { blobKeysOfSource } from '../../db/queries/files.ts';
import { getProject } from '../../db/queries/projects.ts';
import {
  deleteSource,
  findSourceByName,
  getSource,
  insertSource,
  listSources,
  type SourceRow,
  updateSource,
} from '../../db/queries/sources.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, PageQuery, pageOf, problemResponses } from '../schemas/common.ts';

const sourceName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit')
  .describe(
    'Used in output names such as `representation_variation_<name>`; the config refers to it in `path.input_dirs[].path`',
  );

export const Source = z
  .object({
    id: z.string(),
    project_id: z.string(),
    name: z.string(),
    settings: z.record(z.string(), z.unknown()).describe('Per-directory settings of the original input_dirs entry'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Source' });

const SourceCreate = z
  .object({ name: sourceName, settings: z.record(z.string(), z.unknown()).optional() })
  .strict()
  .meta({ id: 'SourceCreate' });

const SourcePatch = z
  .object({ name: sourceName.optional(), settings: z.record(z.string(), z.unknown()).optional() })
  .strict()
  .meta({ id: 'SourcePatch' });

const toSource = (s: SourceRow): z.infer<typeof Source> => ({
  id: s.id,
  project_id: s.projectId,
  name: s.name,
  settings: s.settings,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

function validateSettings(schema: z.ZodType, value: unknown): Record<string, unknown> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ServiceError('validation', 'invalid source settings', {
      errors: parsed.error.issues.map((i) => ({
        path: [
          'body',
          'settings',
          ...i.path.map(String),
          ...('keys' in i ? [String((i.keys as string[])[0])] : []),
        ].join('.'),
        message: i.message,
      })),
    });
  }
  return parsed.data as Record<string, unknown>;
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, { db, blobs }) => {
  app.post(
    '/v1/projects/:id/sources',
    {
      schema: {
        tags: ['sources'],
        summary: "Create a source (one of the original's input_dirs)",
        params: IdParam('Project', 'proj'),
        body: SourceCreate,
        response: { 201: Source, ...problemResponses, 409: problemResponses[400] },
      },
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const settings = validateSettings(sourceSettingsSchema, request.body.settings);
      if (await findSourceByName(db, project.id, request.body.name)) {
        throw new ServiceError('conflict', `the project already has a source named "${request.body.name}"`);
      }
      const source = await insertSource(db, request.tenantId, project.id, { name: request.body.name, settings });
      return reply.code(201).header('location', `/v1/sources/${source.id}`).send(toSource(source));
    },
  );

  app.get(
    '/v1/projects/:id/sources',
    {
      schema: {
        tags: ['sources'],
        summary: 'List the sources of a project',
        params: IdParam('Project', 'proj'),
        querystring: PageQuery,
        response: { 200: pageOf(Source, 'SourcePage'), ...problemResponses },
      },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const page = await listSources(db, request.tenantId, project.id, request.query);
      return { items: page.items.map(toSource), next_cursor: page.nextCursor };
    },
  );

  const params = IdParam('Source', 'src');
  app.get(
    '/v1/sources/:id',
    { schema: { tags: ['sources'], summary: 'Get a source', params, response: { 200: Source, ...problemResponses } } },
    async (request) => {
      const source = await getSource(db, request.tenantId, request.params.id);
      if (!source) throw notFound('source', request.params.id);
      return toSource(source);
    },
  );

  app.patch(
    '/v1/sources/:id',
    {
      schema: {
        tags: ['sources'],
        summary: 'Rename a source or change its settings (settings given are merged over the stored ones)',
        params,
        body: SourcePatch,
        response: { 200: Source, ...problemResponses, 409: problemResponses[400] },
      },
    },
    async (request) => {
      const source = await getSource(db, request.tenantId, request.params.id);
      if (!source) throw notFound('source', request.params.id);
      const settings =
        request.body.settings === undefined
          ? undefined
          : validateSettings(sourceSettingsSchema, {
              ...source.settings,
              ...validateSettings(sourcePatchSchema, request.body.settings),
            });
      if (
        request.body.name &&
        request.body.name !== source.name &&
        (await findSourceByName(db, source.projectId, request.body.name))
      ) {
        throw new ServiceError('conflict', `the project already has a source named "${request.body.name}"`);
      }
      const updated = await updateSource(db, request.tenantId, source.id, { name: request.body.name, settings });
      if (!updated) throw notFound('source', request.params.id);
      return toSource(updated);
    },
  );

  app.delete(
    '/v1/sources/:id',
    {
      schema: {
        tags: ['sources'],
        summary: 'Delete a source and its files',
        params,
        response: { 204: z.null().describe('Deleted'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const blobKeys = await blobKeysOfSource(db, request.tenantId, request.params.id);
      if (!(await deleteSource(db, request.tenantId, request.params.id))) throw notFound('source', request.params.id);
      // The rows are gone (files cascade with their source); the stored bytes follow.
      await Promise.all(blobKeys.map((key) => blobs.delete(key)));
      return reply.code(204).send(null);
    },
  );
};

export default routes;
