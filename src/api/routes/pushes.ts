/**
 * Publishing a finished run's outputs to the Hugging Face Hub: `POST /v1/runs/{id}/push` queues a push (202) and
 * `GET /v1/runs/{id}/pushes` shows how each went. The token is write-only: accepted in the request, sealed, used by
 * the worker and forgotten when the push ends; no response carries it.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getConfigWithSecrets } from '../../db/queries/configs.ts';
import { type HubPushRow, insertHubPush, listHubPushes } from '../../db/queries/hub-pushes.ts';
import { getRun } from '../../db/queries/runs.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AppDeps } from '../deps.ts';
import { IdParam, problemResponses } from '../schemas/common.ts';

const PUSHABLE = new Set(['succeeded', 'succeeded_with_drops']);

const Push = z
  .object({
    id: z.string(),
    run_id: z.string(),
    repo: z.string().describe('The dataset repo, `owner/name`'),
    url: z.string().describe("The repo's page on the hub"),
    branch: z.string(),
    private: z.boolean().describe('Whether the repo is created private (an existing repo keeps its visibility)'),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    error: z
      .string()
      .nullable()
      .describe("Why the push failed (or the last fault it is retrying after), in the hub's words"),
    commit: z.string().nullable(),
    files: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'HubPush' });

const PushRequest = z
  .object({
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'a Hugging Face dataset id: owner/name')
      .refine(
        (r) => !r.split('/').some((part) => part === '.' || part === '..'),
        'a Hugging Face dataset id: owner/name',
      )
      .describe('The dataset repo to publish to, `owner/name`; created when it does not exist'),
    token: z
      .string()
      .regex(/^hf_[\w-]+$/, 'a Hugging Face access token starts with hf_')
      .max(200)
      .optional()
      .describe(
        "A token with write access. Write-only. Default: the run config's `model_auto_train.huggingface_token`, else the service's HF_TOKEN",
      ),
    private: z.boolean().default(true).describe('Create the repo private (default)'),
    branch: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\w./-]+$/, 'a branch name')
      .default('main'),
  })
  .strict()
  .meta({ id: 'HubPushCreate' });

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;
  const params = IdParam('Run', 'run');
  const toPush = (p: HubPushRow): z.infer<typeof Push> => ({
    id: p.id,
    run_id: p.runId,
    repo: p.repo,
    url: `${deps.settings.huggingfaceHubUrl.replace(/\/+$/, '')}/datasets/${p.repo}`,
    branch: p.branch,
    private: p.private,
    status: p.status as z.infer<typeof Push>['status'],
    error: p.error,
    commit: p.commit,
    files: p.files,
    bytes: p.bytes,
    created_at: p.createdAt.toISOString(),
    finished_at: p.finishedAt?.toISOString() ?? null,
  });

  app.post(
    '/v1/runs/:id/push',
    {
      schema: {
        tags: ['runs'],
        summary: "Publish the run's sft_run/, pretraining_run/ and exports/ to a Hugging Face dataset repo",
        description:
          'Queues the push and answers 202; follow it with `GET /v1/runs/{id}/pushes`. The files go up as one commit, with ' +
          'the dataset card (`sft_run/README.md`) at the repo root. Only a run that ended `succeeded` or `succeeded_with_drops` can be pushed.',
        params,
        body: PushRequest,
        response: {
          202: Push,
          ...problemResponses,
          409: problemResponses[400].describe('The run has not ended with outputs'),
        },
      },
    },
    async (request, reply) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      if (!PUSHABLE.has(run.status)) {
        throw new ServiceError('conflict', `run ${run.id} is ${run.status}: only a run that succeeded can be pushed`);
      }
      const body = request.body;
      if (!body.token && !deps.settings.huggingfaceToken && !(await configHasToken(deps, run.configId))) {
        throw new ServiceError('validation', 'a Hugging Face token with write access is needed', {
          errors: [
            {
              path: 'body.token',
              message:
                "give a token (hf_…), or set model_auto_train.huggingface_token in the run's config, or HF_TOKEN",
            },
          ],
        });
      }
      const push = await insertHubPush(db, {
        id: newId('hubPush'),
        tenantId: request.tenantId,
        runId: run.id,
        repo: body.repo,
        branch: body.branch,
        private: body.private,
        tokenSealed: body.token ? deps.secretBox.seal(body.token) : null,
      });
      await deps.jobs.sendHubPush(push.id);
      return reply.code(202).send(toPush(push));
    },
  );

  app.get(
    '/v1/runs/:id/pushes',
    {
      schema: {
        tags: ['runs'],
        summary: "The run's pushes to the Hugging Face Hub, newest first",
        params,
        response: { 200: z.object({ items: z.array(Push) }).meta({ id: 'HubPushList' }), ...problemResponses },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      return { items: (await listHubPushes(db, run.id)).map(toPush) };
    },
  );
};

async function configHasToken(deps: AppDeps, configId: string): Promise<boolean> {
  const config = await getConfigWithSecrets(deps.db, configId);
  return Boolean(config?.secrets && (config.secrets as Record<string, string>)['model_auto_train.huggingface_token']);
}

export default routes;
