import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getProject } from '../../db/queries/projects.ts';
import { deleteRun, getRun, getRunById, listRuns, type RunRow } from '../../db/queries/runs.ts';
import {
  cancelRun,
  createRun,
  pauseRun,
  resumeRun,
  retryFailedItems,
  runStatus,
  runSummaryDocument,
} from '../../jobs/runs.ts';
import { notFound, ServiceError } from '../../lib/errors.ts';
import { hashOf } from '../../lib/hash.ts';
import { outcomeDocument } from '../../lib/run-outcome.ts';
import type { AppDeps } from '../deps.ts';
import { RunStatusCache } from '../run-status-cache.ts';
import { IdParam, PageQuery, pageOf, problemResponses } from '../schemas/common.ts';
import { EstimateSchema } from '../schemas/estimate.ts';

/** The client's own labels for a run, as OpenAI's `metadata`: up to 16 string pairs. */
const Metadata = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
  .describe('Your own labels for the run (up to 16 keys of 64 characters, values of 512)');

const runState = z
  .enum(['queued', 'running', 'paused', 'succeeded', 'succeeded_with_drops', 'failed', 'canceled'])
  .describe(
    '`succeeded` only when every planned item produced its output; `succeeded_with_drops` when some were dropped or ' +
      'failed (see `outcome`); `failed` also when a stage produced nothing or lost more than `max_drop_fraction`; ' +
      '`paused` (see `pause_reason`) until resumed',
  );

const Outcome = z
  .object({
    kind: z
      .enum(['complete', 'with_drops', 'no_output', 'too_many_drops', 'failed', 'canceled'])
      .describe(
        'complete: every item produced output; with_drops: some did not; no_output: a stage produced nothing; ' +
          'too_many_drops: a stage lost more than max_drop_fraction of its items; failed: a stage broke; canceled',
      ),
    planned: z.number().int(),
    dropped: z.number().int(),
    failed: z.number().int(),
    top_reasons: z.array(z.object({ reason: z.string(), count: z.number().int() })),
    stage: z.string().nullable().describe('The stage a no_output / too_many_drops / failed outcome is about'),
    advice: z.string().nullable().describe('What to try next'),
  })
  .nullable()
  .describe('Set once the run has finished: what its status word alone cannot say')
  .meta({ id: 'RunOutcome' });

const toOutcome = (o: RunRow['outcome']): z.infer<typeof Outcome> => (o ? outcomeDocument(o) : null);

const StageStatus = z
  .object({
    name: z.string().describe('e.g. ingest, representation_variation, factual_sft/negative/0'),
    kind: z.string(),
    state: z
      .enum(['pending', 'planning', 'running', 'finishing', 'succeeded', 'failed', 'skipped', 'canceled'])
      .describe(
        'planning: its items are being planned, and those planned so far are already being processed (items.total ' +
          'grows until the stage is running); finishing: every item settled, its files are being written',
      ),
    detail: z.string().nullable().describe('Why the stage is skipped'),
    error: z.string().nullable(),
    depends_on: z.array(z.string()),
    items: z.object({
      total: z.number(),
      pending: z.number(),
      done: z.number(),
      failed: z.number(),
      dropped: z.number(),
      not_processed: z
        .number()
        .describe(
          'Items a canceled or failed run left unprocessed (total = pending + done + failed + dropped + not_processed)',
        ),
    }),
    reasons: z.record(z.string(), z.number()).describe('Dropped/failed items and LLM retries, counted by reason'),
    llm: z.object({
      calls: z.number(),
      cached_calls: z.number(),
      failed_calls: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      cost: z.number().describe('USD, from the configured prices'),
    }),
    projected: z
      .object({
        calls: z.number().int(),
        cost_usd: z.number(),
        eta_seconds: z.number().nullable().describe("How long its calls still to make take at the run's rate"),
      })
      .nullable()
      .describe(
        'What the stage will have made when it ends: its actuals plus the estimate for its pending items (null without either)',
      ),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'StageStatus' });

export const RunStatus = z
  .object({
    id: z.string(),
    project_id: z.string(),
    config_id: z.string(),
    status: runState,
    outcome: Outcome,
    seed: z.number().int(),
    error: z.string().nullable(),
    sources: z.array(z.string()),
    progress: z.number().describe('0–1'),
    eta_seconds: z
      .number()
      .nullable()
      .describe('Seconds left: the projected calls still to make at the rate the run has been making them'),
    estimate: z
      .object({ total: EstimateSchema.shape.total, stages: EstimateSchema.shape.stages })
      .nullable()
      .describe('What the run was estimated to make before it started (as `POST …/estimates`); null until computed'),
    projection: z
      .object({ calls: z.number().int(), cost_usd: z.number(), eta_seconds: z.number().nullable() })
      .describe('Where the run is heading: the calls and cost it will have made when it ends'),
    totals: z.object({
      items: z.number(),
      settled: z.number(),
      calls: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      cost: z.number(),
    }),
    stages: z.array(StageStatus),
    metadata: Metadata,
    webhook_url: z.string().nullable().describe("Where the run's end is announced (its secret is write-only)"),
    budget_usd: z.number().nullable().describe('Spend cap: a call that would pass it pauses the run'),
    pause_reason: z
      .string()
      .nullable()
      .describe('Why a paused run is paused: `requested`, or `budget: …` with the figures'),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'Run' });

const RunSummary = z
  .object({
    id: z.string(),
    project_id: z.string(),
    config_id: z.string(),
    status: runState,
    outcome: Outcome,
    error: z.string().nullable(),
    metadata: Metadata,
    webhook_url: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'RunSummary' });

/** The shared summary document (jobs/runs.ts): the list, the end event and the webhook carry the same one. */
const toSummary = (r: RunRow): z.infer<typeof RunSummary> => runSummaryDocument(r) as z.infer<typeof RunSummary>;

async function statusDocument(deps: AppDeps, run: RunRow): Promise<z.infer<typeof RunStatus>> {
  const s = await runStatus(deps.db, run);
  return {
    id: s.id,
    project_id: s.projectId,
    config_id: s.configId,
    status: s.status,
    outcome: toOutcome(s.outcome),
    seed: s.seed,
    error: s.error,
    sources: s.sources,
    progress: s.progress,
    eta_seconds: s.etaSeconds,
    estimate: s.estimate,
    projection: {
      calls: s.projection.calls,
      cost_usd: s.projection.cost_usd,
      eta_seconds: s.projection.eta_seconds,
    },
    totals: {
      items: s.totals.items,
      settled: s.totals.settled,
      calls: s.totals.calls,
      input_tokens: s.totals.inputTokens,
      output_tokens: s.totals.outputTokens,
      cost: s.totals.cost,
    },
    webhook_url: run.webhookUrl,
    budget_usd: run.budgetUsd,
    pause_reason: run.pauseReason,
    metadata: run.metadata ?? {},
    stages: s.stages.map((st) => ({
      name: st.name,
      kind: st.kind,
      state: st.state as z.infer<typeof StageStatus>['state'],
      detail: st.detail,
      error: st.error,
      depends_on: st.dependsOn,
      items: st.items,
      reasons: st.reasons,
      llm: {
        calls: st.llm.calls,
        cached_calls: st.llm.cachedCalls,
        failed_calls: st.llm.failedCalls,
        input_tokens: st.llm.inputTokens,
        output_tokens: st.llm.outputTokens,
        cost: st.llm.cost,
      },
      projected: s.projection.stages.get(st.name) ?? null,
      started_at: st.startedAt,
      finished_at: st.finishedAt,
    })),
    created_at: s.createdAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
  };
}

const routes: FastifyPluginAsyncZod<AppDeps> = async (app, deps) => {
  const { db } = deps;

  app.post(
    '/v1/projects/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Start a run of a config',
        description:
          'Send an `Idempotency-Key` header to make retries safe: the same key with the same body returns the original run (200); ' +
          'with a different body it is a 409.',
        params: IdParam('Project', 'proj'),
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: z
          .object({
            config_id: z.string().min(1).max(100).describe('The config to run (`cfg_…`)'),
            metadata: Metadata.optional(),
            webhook: z
              .object({
                url: z
                  .string()
                  .max(2000)
                  .url()
                  .regex(/^https?:\/\//, 'an http or https URL')
                  .describe(
                    'Receives a POST when the run ends (any final status), with the run summary and its outcome',
                  ),
                secret: z
                  .string()
                  .min(16)
                  .max(200)
                  .optional()
                  .describe(
                    'Signs each delivery: `X-Datagen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Write-only',
                  ),
              })
              .strict()
              .optional(),
          })
          .strict()
          .meta({ id: 'RunCreate' }),
        response: {
          201: RunStatus,
          200: RunStatus.describe('An earlier request with the same Idempotency-Key'),
          ...problemResponses,
          409: problemResponses[400],
          422: problemResponses[400].describe(
            'The project cannot run this config yet (no sources, no files, unknown source)',
          ),
        },
      },
    },
    async (request, reply) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const { run, created } = await createRun(deps, deps.jobs, {
        tenantId: request.tenantId,
        projectId: project.id,
        configId: request.body.config_id,
        idempotencyKey: request.headers['idempotency-key'],
        // The secret stays out of the stored request hash.
        requestHash: hashOf({ ...request.body, webhook: request.body.webhook?.url }),
        webhook: request.body.webhook,
        metadata: request.body.metadata,
      });
      return reply
        .code(created ? 201 : 200)
        .header('location', `/v1/runs/${run.id}`)
        .send(await statusDocument(deps, run));
    },
  );

  app.get(
    '/v1/projects/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'List the runs of a project, newest first',
        params: IdParam('Project', 'proj'),
        querystring: PageQuery.extend({
          status: z
            .string()
            .max(200)
            .transform((v) => v.split(','))
            .pipe(z.array(runState))
            .optional()
            .describe('Only runs in these states, comma-separated (`failed,canceled`)'),
        }),
        response: { 200: pageOf(RunSummary, 'RunPage'), ...problemResponses },
      },
    },
    async (request) => {
      const project = await getProject(db, request.tenantId, request.params.id);
      if (!project) throw notFound('project', request.params.id);
      const page = await listRuns(db, request.tenantId, project.id, request.query, request.query.status);
      return { items: page.items.map(toSummary), next_cursor: page.nextCursor };
    },
  );

  const params = IdParam('Run', 'run');
  // Polling costs no database work while the document is fresh (see run-status-cache.ts).
  const statusCache = new RunStatusCache<z.infer<typeof RunStatus>>(async (id) => {
    const run = await getRunById(db, id);
    return run && { tenantId: run.tenantId, doc: await statusDocument(deps, run) };
  });
  app.get(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Run status with per-stage progress, dropped-item reasons, LLM calls, tokens, cost, projection and ETA',
        description:
          'Served from a document each server process refreshes at most four times a second, so polling is cheap; ' +
          'changes made by workers show within about a quarter second. Send the `ETag` back as `If-None-Match` to get a ' +
          '304 while nothing changed.',
        params,
        headers: z.object({ 'if-none-match': z.string().max(500).optional() }),
        response: {
          200: RunStatus,
          304: z.null().describe('Not modified since the ETag sent in If-None-Match'),
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const cached = await statusCache.get(request.tenantId, request.params.id);
      if (!cached) throw notFound('run', request.params.id);
      reply.header('etag', cached.etag).header('cache-control', 'private, no-cache');
      const sent = request.headers['if-none-match'];
      if (sent?.split(',').some((tag) => tag.trim() === cached.etag || tag.trim() === '*')) {
        return reply.code(304).send(null);
      }
      return cached.doc;
    },
  );
  // A change made here is read back by the next GET of this process, not after the cache's quarter second.
  app.addHook('onResponse', async (request) => {
    if (request.method !== 'GET' && request.routeOptions.url?.startsWith('/v1/runs/:id')) {
      statusCache.invalidate((request.params as { id?: string }).id ?? '');
    }
  });

  app.post(
    '/v1/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary: 'Cancel a queued, running or paused run (LLM calls in flight are aborted)',
        params,
        response: {
          200: RunStatus,
          ...problemResponses,
          409: problemResponses[400].describe('The run already finished'),
        },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const canceled = await cancelRun(db, run);
      if (canceled.webhookUrl) await deps.jobs.sendRunWebhook(canceled.id);
      return statusDocument(deps, canceled);
    },
  );

  app.post(
    '/v1/runs/:id/pause',
    {
      schema: {
        tags: ['runs'],
        summary: 'Pause a queued or running run: calls in flight are aborted, nothing paid for is lost',
        params,
        response: {
          200: RunStatus,
          ...problemResponses,
          409: problemResponses[400].describe('The run is not queued or running'),
        },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      return statusDocument(deps, await pauseRun(db, run, 'requested'));
    },
  );

  app.post(
    '/v1/runs/:id/resume',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Resume a paused run, optionally with a new budget or API keys; no call that had an answer is made again',
        params,
        body: z
          .object({
            budget_usd: z
              .number()
              .positive()
              .nullable()
              .optional()
              .describe('A new spend cap in USD (null: none); the run keeps its budget when absent'),
            api_keys: z
              .record(z.string().min(1).max(200), z.string().min(1).max(1000))
              .optional()
              .describe(
                'New API keys for the endpoints the config names, by dotted config path ' +
                  '(`factual_sft_settings.factual_large_api_key`); models and URLs stay. Write-only',
              ),
          })
          .strict()
          .default({})
          .meta({ id: 'RunResume' }),
        response: {
          200: RunStatus,
          ...problemResponses,
          409: problemResponses[400].describe('The run is not paused'),
        },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const resumed = await resumeRun(deps, run, {
        budgetUsd: request.body?.budget_usd,
        apiKeys: request.body?.api_keys,
      });
      await deps.jobs.requeueRun(resumed.id);
      return statusDocument(deps, resumed);
    },
  );

  app.post(
    '/v1/runs/:id/retry-failed',
    {
      schema: {
        tags: ['runs'],
        summary: 'Retry the items of an ended run that failed every attempt',
        description:
          'For a run that ended `succeeded_with_drops` or `failed`: its failed items are processed again (attempts from ' +
          'zero), the stages after them plan and finish again (done items keep their outputs; no answered call is made ' +
          'again), and the run is running until it ends anew. Dropped items stay dropped: their reason is the data’s.',
        params,
        response: {
          200: RunStatus,
          ...problemResponses,
          409: problemResponses[400].describe('The run has not ended, or has no failed items'),
        },
      },
    },
    async (request) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      const { run: reopened } = await retryFailedItems(db, run);
      await deps.jobs.requeueRun(reopened.id);
      return statusDocument(deps, reopened);
    },
  );

  app.delete(
    '/v1/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'Delete a finished run with its events and artifacts',
        params,
        response: {
          204: z.null().describe('Deleted'),
          ...problemResponses,
          409: problemResponses[400].describe('The run is queued or running: cancel it first'),
        },
      },
    },
    async (request, reply) => {
      const run = await getRun(db, request.tenantId, request.params.id);
      if (!run) throw notFound('run', request.params.id);
      if (run.status === 'queued' || run.status === 'running') {
        throw new ServiceError('conflict', `run ${run.id} is ${run.status}: cancel it first`);
      }
      await deleteRun(db, run.id);
      // Rows first: a crash in between leaves only unreachable blobs, never rows pointing at missing ones.
      await deps.blobs.deletePrefix(`runs/${run.id}`);
      return reply.code(204).send(null);
    },
  );
};

export default routes;
