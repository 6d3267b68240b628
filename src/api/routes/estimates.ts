/**
 * `POST /v1/projects/{id}/estimates`: what a run of a config would cost — calls, tokens, USD and wall time per stage
 * and in total — computed from the project's real chunks and the prompts' real sizes, without calling a model.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getProject } from '../../db/queries/projects.ts';
import { notFound } from '../../lib/errors.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, problemResponses } from '../schemas/common.ts';

const Figures = {
  calls: z.number().int().describe('LLM calls, retries included'),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cost_usd: z.number().describe("At the config's cost_per_million_* prices"),
  wall_seconds: z.number().describe('Model time divided by concurrency_limit'),
};

export const EstimateSchema = z
  .object({
    total: z.object(Figures).meta({ id: 'EstimateFigures' }),
    stages: z.array(
      z
        .object({
          name: z.string(),
          kind: z.string(),
          items: z.number().int().describe('Items the stage plans: chunks after subsets, files, conversations'),
          dropped: z.number().int().describe('Items expected to be dropped (recorded drop rates)'),
          cached_calls: z
            .number()
            .int()
            .describe("Calls this account's cache already answers, or repeated within the run: they cost nothing"),
          models: z.array(z.string()),
          prompts: z.array(
            z.object({
              prompt: z.string(),
              model: z.string(),
              calls: z.number().int(),
              basis: z
                .enum(['recorded', 'few-shot'])
                .describe("Sized from this account's recorded calls of the prompt, or from its few-shot answer"),
            }),
          ),
          ...Figures,
        })
        .meta({ id: 'StageEstimate' }),
    ),
    concurrency_limit: z.number().int(),
    skipped: z.array(z.object({ stage: z.string(), reason: z.string() })),
    basis: z.array(z.string()).describe('How the figures were made'),
  })
  .meta({ id: 'Estimate' });

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  app.post(
    '/v1/projects/:id/estimates',
    {
      schema: {
        tags: ['runs'],
        summary: 'Estimate what a run of a config would cost, without calling a model',
        description:
          "Plans every stage over the project's uploaded files as a run would (chunks after subsets), renders every prompt " +
          'to count its input, and sizes each answer from the account’s recorded calls of that prompt and model, else from ' +
          "the prompt's few-shot answers. Filters pass at their recorded rate (else all). No model is called.",
        params: IdParam('Project', 'proj'),
        body: z
          .object({ config_id: z.string().min(1).max(100).describe('The config to estimate (`cfg_…`)') })
          .strict()
          .meta({ id: 'EstimateRequest' }),
        response: {
          200: EstimateSchema,
          ...problemResponses,
          422: problemResponses[400].describe('The project has no sources or files the config can read'),
        },
      },
    },
    async (request) => {
      const project = await getProject(deps.db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      return deps.jobs.estimate({
        tenantId: request.tenantId,
        projectId: project.id,
        configId: request.body.config_id,
      });
    },
  );
};

export default routes;
