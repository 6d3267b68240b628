/**
 * `POST /v1/projects/{id}/estimates`: what a run of a config would cost — calls, tokens, USD and wall time per stage
 * and in total — computed from the project's real chunks and the prompts' real sizes, without calling a model.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseCompositionConfig } from '../../config/composition/parse.ts';
import { getProject } from '../../db/queries/projects.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, Problem, problemResponses } from '../schemas/common.ts';
import { EstimateSchema } from '../schemas/estimate.ts';

/** A 422 of the estimates route; too much text to simulate also says how much, and the limit. */
const EstimateRefused = Problem.extend({
  text_chars: z.number().int().optional().describe('Characters of extracted text in the sources (too large)'),
  limit: z.number().int().optional().describe('ESTIMATE_MAX_TEXT_CHARS (too large)'),
})
  .meta({ id: 'EstimateRefusedProblem' })
  .describe('The project has no sources or files the config can read, or more text than an estimate simulates');

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/v1/projects/:id/estimates',
    {
      schema: {
        tags: ['runs'],
        summary: 'Estimate what a run of a config (stored, or sent inline) would cost, without calling a model',
        description:
          "Plans every stage over the project's uploaded files as a run would (chunks after subsets), renders every prompt " +
          'to count its input, and sizes each answer from the account’s recorded calls of that prompt and model, else from ' +
          "the prompt's few-shot answers. Filters pass at their recorded rate (else all). No model is called. The " +
          'simulation runs in memory: sources with more extracted text than ESTIMATE_MAX_TEXT_CHARS (default 5 M ' +
          'characters) are refused with 422 and their size (`text_chars`, `limit`).',
        params: IdParam('Project', 'proj'),
        body: z
          .object({
            config_id: z.string().min(1).max(100).optional().describe('A stored config to estimate (`cfg_…`)'),
            config: z
              .record(z.string(), z.unknown())
              .optional()
              .describe("Or a config sent inline (the original's config.yaml layout as JSON), not stored"),
          })
          .strict()
          .refine((b) => (b.config_id === undefined) !== (b.config === undefined), {
            message: 'give either config_id or config',
            path: ['config_id'],
          })
          .meta({ id: 'EstimateRequest' }),
        response: {
          200: EstimateSchema,
          ...problemResponses,
          422: EstimateRefused,
        },
      },
    },
    async (request) => {
      const project = await getProject(deps.db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const { config_id: configId, config } = request.body;
      if (configId !== undefined)
        return deps.jobs.estimate({ tenantId: request.tenantId, projectId: project.id, configId });
      const parsed = parseCompositionConfig(config, 'json');
      if (!parsed.ok) {
        throw new ServiceError('validation', 'the config is invalid', {
          errors: parsed.errors.map((e) => ({ ...e, path: `body.config.${e.path}` })),
        });
      }
      return deps.jobs.estimate({
        tenantId: request.tenantId,
        projectId: project.id,
        runConfig: { config: parsed.config, secrets: parsed.secrets },
      });
    },
  );
};

export default routes;
