/**
 * Previews: `POST /v1/projects/{id}/previews` puts a small sample of the project (the first chunk of each source, per
 * stage) through every model stage of a config with the real model, and answers when it is done — within the wait the
 * request allows (201), else at once with the preview to poll (202, `GET /v1/previews/{id}`). The result shows what
 * each stage would write, a trace of every call and the format check. Previews write nothing into any run.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getPreview, insertPreview, type PreviewRow } from '../../db/queries/previews.ts';
import { getProject } from '../../db/queries/projects.ts';
import { projectConfig } from '../../jobs/run-config.ts';
import { resolveRunSources } from '../../jobs/runs.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, problemResponses } from '../schemas/common.ts';

const POLL_MS = 200;

const Trace = z
  .object({
    stage: z.string(),
    prompt: z.string().describe('Prompt id, `id#style` for a style’s variant'),
    model: z.string(),
    attempt: z.number().int().describe('0 for the first try; a retry follows a parser `retry`'),
    cached: z.boolean().describe('The same call made earlier in this preview'),
    raw: z.string().describe('The answer as the model gave it (cut at 8000 characters)'),
    outcome: z.enum(['ok', 'retry', 'drop']).describe('What the parser said'),
    reason: z.string().optional().describe('Why the parser asked for a retry or gave up'),
    inputTokens: z.number().int(),
    outputTokens: z.number().int(),
    latencyMs: z.number(),
  })
  .meta({ id: 'PreviewCall' });

const FormatCheck = z
  .object({
    prompt: z.string(),
    model: z.string(),
    calls: z.number().int(),
    first_try_parsed: z.number().int(),
    first_try_rate: z.number().describe('0–1: a low rate means the model does not follow the prompt’s format'),
    retries: z.number().int(),
    drops: z.number().int(),
    top_reason: z.string().nullable(),
  })
  .meta({ id: 'FormatCheck' });

const PreviewResult = z
  .object({
    stages: z.array(
      z.object({
        name: z.string(),
        kind: z.string(),
        items: z.object({ planned: z.number(), done: z.number(), dropped: z.number(), failed: z.number() }),
        reasons: z.record(z.string(), z.number()),
        outputs: z.array(z.unknown()).describe('The first outputs of the stage’s items'),
        files: z.array(
          z.object({
            path: z.string(),
            bytes: z.number(),
            records: z.number().nullable(),
            head: z.string().describe('The first 4000 characters'),
          }),
        ),
      }),
    ),
    skipped: z.array(z.object({ stage: z.string(), reason: z.string() })),
    calls: z.array(Trace),
    format_check: z.array(FormatCheck),
    totals: z.object({ calls: z.number(), input_tokens: z.number(), output_tokens: z.number() }),
  })
  .meta({ id: 'PreviewResult' });

const Preview = z
  .object({
    id: z.string(),
    project_id: z.string(),
    config_id: z.string(),
    chunks_per_source: z.number().int(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    error: z.string().nullable(),
    result: PreviewResult.nullable().describe('Set once the preview succeeded'),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Preview' });

const toPreview = (p: PreviewRow): z.infer<typeof Preview> => ({
  id: p.id,
  project_id: p.projectId,
  config_id: p.configId,
  chunks_per_source: p.chunksPerSource,
  status: p.status as z.infer<typeof Preview>['status'],
  error: p.error,
  result: (p.result as z.infer<typeof PreviewResult> | null) ?? null,
  created_at: p.createdAt.toISOString(),
  finished_at: p.finishedAt?.toISOString() ?? null,
});

const ended = (p: PreviewRow) => p.status === 'succeeded' || p.status === 'failed';

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;

  app.post(
    '/v1/projects/:id/previews',
    {
      schema: {
        tags: ['runs'],
        summary: 'Preview a config on a sample, with the real model: outputs, call traces and a format check',
        description:
          'Runs the first `chunks_per_source` chunks of each source through every model stage the config enables, on a ' +
          'worker, with the same code as a run. Waits up to `wait_seconds` for it: 201 with the result, else 202 to poll. ' +
          'The calls are billed like any (they are recorded under the preview’s id) and always asked afresh.',
        params: IdParam('Project', 'proj'),
        body: z
          .object({
            config_id: z.string().min(1).max(100).describe('The config to preview (`cfg_…`)'),
            chunks_per_source: z.number().int().min(1).max(5).default(1),
            wait_seconds: z.number().int().min(0).max(120).default(60).describe('How long to wait for the result'),
          })
          .strict()
          .meta({ id: 'PreviewCreate' }),
        response: {
          201: Preview.describe('The preview ended within the wait'),
          202: Preview.describe('Still running: poll its Location'),
          ...problemResponses,
          422: problemResponses[400].describe('The project has no sources or files the config can read'),
        },
      },
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const configId = request.body.config_id;
      const { config } = await projectConfig(deps, { tenantId: request.tenantId, projectId: project.id }, configId);
      // A config the project cannot run (no sources, no files) is refused now, not in the preview's result.
      await resolveRunSources(db, project.id, config);
      let preview = await insertPreview(db, {
        id: newId('preview'),
        tenantId: request.tenantId,
        projectId: project.id,
        configId,
        chunksPerSource: request.body.chunks_per_source,
      });
      await deps.jobs.sendPreview(preview.id);
      const deadline = Date.now() + request.body.wait_seconds * 1000;
      // Stop waiting when the client has gone (the request stream itself ends once its body is read).
      while (!ended(preview) && Date.now() < deadline && !request.raw.socket?.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        preview = (await getPreview(db, request.tenantId, preview.id)) ?? preview;
      }
      return reply
        .code(ended(preview) ? 201 : 202)
        .header('location', `/v1/previews/${preview.id}`)
        .send(toPreview(preview));
    },
  );

  app.get(
    '/v1/previews/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A preview: its status, and once it succeeded, its outputs, call traces and format check',
        params: IdParam('Preview', 'prv'),
        response: { 200: Preview, ...problemResponses },
      },
    },
    async (request) => {
      const preview = await getPreview(db, request.tenantId, request.params.id);
      if (!preview) throw notFound('preview', request.params.id);
      return toPreview(preview);
    },
  );
};

export default routes;
