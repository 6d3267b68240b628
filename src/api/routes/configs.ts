import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseCompositionConfig } from '../../config/composition/parse.ts';
import { isBundledPromptSet, promptSetReferences } from '../../config/composition/prompt-sets.ts';
import { compositionConfigSchema, defaultCompositionConfig } from '../../config/composition/schema.ts';
import { subsetWarnings } from '../../config/composition/warnings.ts';
import { type ConfigView, deleteConfig, getConfig, insertConfig, listConfigs } from '../../db/queries/configs.ts';
import { getProject } from '../../db/queries/projects.ts';
import { listPromptSets } from '../../db/queries/prompt-sets.ts';
import { configInUse } from '../../db/queries/runs.ts';
import { allSourcesOfProject } from '../../db/queries/sources.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, PageQuery, pageOf, problemResponses, validateAllButBody } from '../schemas/common.ts';

const Warning = z.object({ path: z.string(), message: z.string() });

export const Config = z
  .object({
    id: z.string(),
    project_id: z.string(),
    name: z.string(),
    document: z
      .record(z.string(), z.unknown())
      .describe(
        'The validated config with every default filled in; secrets (API keys, tokens) show as "(set)" and are never returned',
      ),
    warnings: z.array(Warning).describe('Accepted but ignored keys, and parts this service version cannot run yet'),
    created_at: z.string(),
  })
  .meta({ id: 'Config' });

const toConfig = (c: ConfigView): z.infer<typeof Config> => ({
  id: c.id,
  project_id: c.projectId,
  name: c.name,
  document: c.document,
  warnings: c.warnings,
  created_at: c.createdAt.toISOString(),
});

const yamlTypes = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Computed once: the schema does not change while the process runs. */
const configJsonSchema = z.toJSONSchema(compositionConfigSchema, { io: 'input', unrepresentable: 'any' });

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;
  // YAML arrives as text and is parsed by the config module, which guards against alias bombs.
  app.addContentTypeParser(yamlTypes, { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post(
    '/v1/projects/:id/configs',
    {
      schema: {
        tags: ['configs'],
        summary: "Submit a composition config (the original's config.yaml layout, as YAML or JSON)",
        description:
          'Give only what differs from the defaults. Every failing path is reported at once; unknown keys are rejected with their path. ' +
          '`path.input_dirs[].path` must name a source of the project. Configs are immutable: post again to change one.',
        params: IdParam('Project', 'proj'),
        querystring: z.object({ name: z.string().trim().min(1).max(200).optional().describe('Defaults to "config"') }),
        consumes: ['application/yaml', 'application/json'],
        // Documents every key with its type and default (the handler parses YAML or JSON itself, then validates).
        body: compositionConfigSchema.meta({ id: 'CompositionConfig' }),
        response: { 201: Config, ...problemResponses, 415: problemResponses[400] },
      },
      validatorCompiler: validateAllButBody,
    },
    async (request, reply) => {
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (mediaType !== 'application/json' && !yamlTypes.includes(mediaType)) {
        throw new ServiceError(
          'unsupported-media-type',
          `send the config as application/yaml (or ${yamlTypes.slice(1).join(', ')}) or application/json, not ${mediaType || '(none)'}`,
        );
      }
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const raw: unknown = request.body;
      const result = parseCompositionConfig(raw, typeof raw === 'string' ? 'yaml' : 'json');
      if (!result.ok) throw new ServiceError('validation', 'the config is invalid', { errors: result.errors });
      const sourceRows = await allSourcesOfProject(db, project.id);
      const sources = new Set(sourceRows.map((s) => s.name));
      const missing = (result.config.path.input_dirs ?? [])
        .map((dir, i) => ({ dir, i }))
        .filter(({ dir }) => !sources.has(dir.path))
        .map(({ dir, i }) => ({
          path: `path.input_dirs.${i}.path`,
          message: `"${dir.path}" (the last segment of the path) is not a source of this project (sources: ${[...sources].join(', ') || 'none yet'})`,
        }));
      if (missing.length > 0)
        throw new ServiceError('validation', 'the config names sources this project does not have', {
          errors: missing,
        });
      const sets = (await listPromptSets(db, request.tenantId, project.id)).map((s) => s.name);
      const unknownSets = promptSetReferences(result.config)
        .filter((ref) => !isBundledPromptSet(ref.name) && !sets.includes(ref.name))
        .map((ref) => ({
          path: ref.path,
          message: `"${ref.name}" is neither a bundled prompt folder (prompts, prompts_local, prompt_overrides/<way>) nor a prompt set of this project (sets: ${sets.join(', ') || 'none yet'})`,
        }));
      if (unknownSets.length > 0)
        throw new ServiceError('validation', 'the config names prompt sets this project does not have', {
          errors: unknownSets,
        });
      const warnings = [
        ...result.warnings,
        ...subsetWarnings(result.config, sourceRows),
        ...deps.jobs.stageWarnings(result.config),
      ];
      const config = await insertConfig(db, {
        tenantId: request.tenantId,
        projectId: project.id,
        name: request.query.name ?? 'config',
        document: result.document,
        secrets: deps.secretBox.sealAll(result.secrets),
        warnings,
      });
      return reply.code(201).header('location', `/v1/configs/${config.id}`).send(toConfig(config));
    },
  );

  app.get(
    '/v1/projects/:id/configs',
    {
      schema: {
        tags: ['configs'],
        summary: 'List the configs of a project',
        params: IdParam('Project', 'proj'),
        querystring: PageQuery,
        response: { 200: pageOf(Config, 'ConfigPage'), ...problemResponses },
      },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const page = await listConfigs(db, request.tenantId, project.id, request.query);
      return { items: page.items.map(toConfig), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/configs/:id',
    {
      schema: {
        tags: ['configs'],
        summary: 'Get a config (secrets are never returned)',
        params: IdParam('Config', 'cfg'),
        response: { 200: Config, ...problemResponses },
      },
    },
    async (request) => {
      const config = await getConfig(db, request.tenantId, request.params.id);
      if (!config) throw notFound('config', request.params.id);
      return toConfig(config);
    },
  );

  app.get(
    '/v1/config-schema',
    {
      schema: {
        tags: ['configs'],
        summary: 'The JSON Schema of a config body: every key, its type, default and description',
        response: {
          200: z.record(z.string(), z.unknown()).describe('A JSON Schema (draft 2020-12)'),
          ...problemResponses,
        },
      },
    },
    async () => configJsonSchema,
  );

  app.get(
    '/v1/config-defaults',
    {
      schema: {
        tags: ['configs'],
        summary: 'The effective config when nothing is given: every default, in the original layout',
        response: { 200: z.record(z.string(), z.unknown()), ...problemResponses },
      },
    },
    async () => defaultCompositionConfig(),
  );

  app.delete(
    '/v1/configs/:id',
    {
      schema: {
        tags: ['configs'],
        summary: 'Delete a config no run has used',
        params: IdParam('Config', 'cfg'),
        response: {
          204: z.null().describe('Deleted'),
          ...problemResponses,
          409: problemResponses[400].describe('A run used the config (delete those runs first)'),
        },
      },
    },
    async (request, reply) => {
      const config = await getConfig(db, request.tenantId, request.params.id);
      if (!config) throw notFound('config', request.params.id);
      if (await configInUse(db, config.id)) {
        throw new ServiceError('conflict', `config ${config.id} is used by a run: delete its runs first`);
      }
      await deleteConfig(db, config.id);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
