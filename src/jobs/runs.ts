/**
 * Starting, canceling and reporting runs: the only entry the API uses into the job layer.
 */
import type { CompositionConfig } from '../config/composition/schema.ts';
import { isApiKeyName, secretEntries } from '../config/composition/secrets.ts';
import { resolveSourceSettings } from '../config/composition/source-settings.ts';
import type { Db } from '../db/client.ts';
import { getConfigWithSecrets } from '../db/queries/configs.ts';
import { filesOfSources } from '../db/queries/files.ts';
import { type StageUsage, usageByStage } from '../db/queries/llm-accounting.ts';
import { appendEvent } from '../db/queries/run-events.ts';
import { itemCountsByStage } from '../db/queries/run-items.ts';
import {
  cancelOpenStages,
  findRunByIdempotencyKey,
  getStages,
  insertRun,
  pauseRunRow,
  type RunRow,
  reopenFailedItems,
  resumeRunRow,
  transitionRun,
} from '../db/queries/runs.ts';
import { allSourcesOfProject } from '../db/queries/sources.ts';
import { ServiceError } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import { outcomeDocument } from '../lib/run-outcome.ts';
import type { SecretBox } from '../lib/secret-box.ts';
import type { StageNode } from '../pipelines/graph.ts';
import type { Estimate } from './dry-run/estimate-types.ts';
import { runOutcome } from './outcome.ts';
import { expectedItems, projectRun } from './projection.ts';
import { projectConfig } from './run-config.ts';

export type { StageNode };

export interface RunStarter {
  /** Enqueues the run's first advance inside the transaction that creates the run. */
  advanceInTransaction(runId: string, transaction: Db): Promise<void>;
  /** Lets this process's worker (if any) pick the advance up without waiting for a poll. */
  wake(): void;
  /** The stage instances of a run of this config (the registry's graph). */
  graph(config: CompositionConfig): StageNode[];
}

export interface CreateRunRequest {
  tenantId: string;
  projectId: string;
  configId: string;
  idempotencyKey?: string | undefined;
  requestHash: string;
  metadata?: Record<string, string> | undefined;
  /** Announce the run's end here (POST), signed with the secret when one is given. */
  webhook?: { url: string; secret?: string | undefined } | undefined;
}

/** Returns the run and whether it was created by this call (false: an earlier request with the same key). */
export async function createRun(
  deps: { db: Db; secretBox: SecretBox },
  starter: RunStarter,
  request: CreateRunRequest,
): Promise<{ run: RunRow; created: boolean }> {
  const { db } = deps;
  if (request.idempotencyKey) {
    const existing = await findRunByIdempotencyKey(db, request.projectId, request.idempotencyKey);
    if (existing) return sameRequestOrConflict(existing, request);
  }
  const { config } = await projectConfig(deps, request, request.configId);
  const sources = await resolveRunSources(db, request.projectId, config);
  const graph = starter.graph(config);
  const runId = newId('run');
  let run: RunRow;
  try {
    run = await db.transaction(async (tx) => {
      const created = await insertRun(
        tx,
        {
          id: runId,
          tenantId: request.tenantId,
          projectId: request.projectId,
          configId: request.configId,
          seed: config.system.seed,
          sources,
          idempotencyKey: request.idempotencyKey ?? null,
          requestHash: request.requestHash,
          metadata: request.metadata ?? null,
          budgetUsd: config.budget_usd,
          webhookUrl: request.webhook?.url ?? null,
          webhookSecretSealed: request.webhook?.secret ? deps.secretBox.seal(request.webhook.secret) : null,
        },
        graph.map((n) => ({
          name: n.name,
          kind: n.kind,
          params: n.params,
          dependsOn: n.dependsOn,
          state: n.skip ? 'skipped' : 'pending',
          detail: n.skip,
        })),
      );
      // In the same transaction: a run exists exactly when its first advance does, whatever dies when.
      await starter.advanceInTransaction(created.id, tx);
      return created;
    });
  } catch (error) {
    // Two requests with one Idempotency-Key raced: the loser answers with the winner's run.
    const existing =
      request.idempotencyKey && (await findRunByIdempotencyKey(db, request.projectId, request.idempotencyKey));
    if (existing) return sameRequestOrConflict(existing, request);
    throw error;
  }
  await appendEvent(db, run.id, 'run.created', {
    stages: graph.length,
    skipped: graph.filter((n) => n.skip).map((n) => ({ stage: n.name, reason: n.skip })),
  });
  starter.wake();
  return { run, created: true };
}

function sameRequestOrConflict(existing: RunRow, request: CreateRunRequest): { run: RunRow; created: boolean } {
  if (existing.requestHash !== request.requestHash) {
    throw new ServiceError(
      'conflict',
      `Idempotency-Key ${request.idempotencyKey} was already used with a different request body`,
    );
  }
  return { run: existing, created: false };
}

export async function resolveRunSources(db: Db, projectId: string, config: CompositionConfig) {
  const all = await allSourcesOfProject(db, projectId);
  const wanted = config.path.input_dirs;
  const errors: Array<{ path: string; message: string }> = [];
  let chosen: Array<{ row: (typeof all)[number]; fromConfig: Record<string, unknown> | undefined }>;
  if (wanted && wanted.length > 0) {
    chosen = [];
    wanted.forEach((dir, i) => {
      const row = all.find((s) => s.name === dir.path);
      if (!row)
        errors.push({ path: `path.input_dirs.${i}.path`, message: `no source named "${dir.path}" in this project` });
      else chosen.push({ row, fromConfig: dir });
    });
  } else {
    chosen = all.map((row) => ({ row, fromConfig: undefined }));
  }
  if (errors.length > 0)
    throw new ServiceError('unprocessable', 'the config names sources this project does not have', { errors });
  if (chosen.length === 0)
    throw new ServiceError('unprocessable', 'the project has no sources: create a source and upload files first');
  const files = await filesOfSources(
    db,
    chosen.map((c) => c.row.id),
  );
  if (files.length === 0)
    throw new ServiceError('unprocessable', 'the selected sources have no files: upload documents first');
  return chosen.map(({ row, fromConfig }) => ({
    id: row.id,
    name: row.name,
    settings: resolveSourceSettings(row.settings, fromConfig) as unknown as Record<string, unknown>,
  }));
}

export async function cancelRun(db: Db, run: RunRow): Promise<RunRow> {
  const outcome = runOutcome(await itemCountsByStage(db, run.id), { status: 'canceled' });
  const canceled = await transitionRun(db, run.id, ['queued', 'running', 'paused'], 'canceled', { outcome });
  if (!canceled) throw new ServiceError('conflict', `run ${run.id} is already ${run.status} and cannot be canceled`);
  await cancelOpenStages(db, run.id);
  await appendEvent(db, run.id, 'run.canceled', { outcome: outcomeDocument(outcome) });
  return canceled;
}

/**
 * A run as the run list shows it, with its outcome: the same document the list, the end event and the webhook carry,
 * so every channel tells the same story (snake_case, as the API speaks).
 */
export function runSummaryDocument(r: RunRow) {
  return {
    id: r.id,
    project_id: r.projectId,
    config_id: r.configId,
    status: r.status,
    outcome: r.outcome ? outcomeDocument(r.outcome) : null,
    error: r.error,
    metadata: r.metadata ?? {},
    webhook_url: r.webhookUrl,
    created_at: r.createdAt.toISOString(),
    started_at: r.startedAt?.toISOString() ?? null,
    finished_at: r.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Pauses a queued or running run: its items in flight are aborted within a second (the worker treats it as no longer
 * active), answers already paid for stay in the cache, and its pending items wait. `reason`: `requested`, or
 * `budget: …` when a call would have passed the run's budget.
 */
export async function pauseRun(db: Db, run: RunRow, reason: string): Promise<RunRow> {
  const paused = await pauseRunRow(db, run.id, reason);
  if (!paused)
    throw new ServiceError('conflict', `run ${run.id} is ${run.status}: only a queued or running run can be paused`);
  await appendEvent(db, run.id, 'run.paused', { reason });
  return paused;
}

/**
 * Resumes a paused run, optionally with a new budget and new API keys (dotted config path → key, for the endpoints
 * the config already names: models and URLs stay); the caller re-enqueues its pending items.
 */
export async function resumeRun(
  deps: { db: Db; secretBox: SecretBox },
  run: RunRow,
  changes: { budgetUsd?: number | null | undefined; apiKeys?: Record<string, string> | undefined } = {},
): Promise<RunRow> {
  const { db } = deps;
  let overrides: Record<string, string> | undefined;
  if (changes.apiKeys && Object.keys(changes.apiKeys).length > 0) {
    const config = await getConfigWithSecrets(db, run.configId);
    const keyPaths = new Set(
      secretEntries(config?.document ?? {})
        .map((e) => e.path)
        .filter((p) => isApiKeyName(p.split('.').at(-1) ?? '')),
    );
    const errors = Object.keys(changes.apiKeys)
      .filter((path) => !keyPaths.has(path))
      .map((path) => ({
        path: `body.api_keys.${path}`,
        message: `not an API key of this run's config (one of: ${[...keyPaths].slice(0, 6).join(', ')}, …)`,
      }));
    if (errors.length > 0)
      throw new ServiceError('validation', 'api_keys names keys the config does not have', { errors });
    overrides = { ...(run.secretOverridesSealed ?? {}) };
    for (const [path, key] of Object.entries(changes.apiKeys)) overrides[path] = deps.secretBox.seal(key);
  }
  const resumed = await resumeRunRow(db, run.id, changes.budgetUsd, overrides);
  if (!resumed) throw new ServiceError('conflict', `run ${run.id} is ${run.status}: only a paused run can be resumed`);
  await appendEvent(db, run.id, 'run.resumed', {
    ...(changes.budgetUsd !== undefined ? { budget_usd: changes.budgetUsd } : {}),
    ...(changes.apiKeys ? { api_keys_changed: Object.keys(changes.apiKeys) } : {}),
  });
  return resumed;
}

/**
 * Reopens the items of an ended run (succeeded with drops, or failed) that failed every retry; the caller re-enqueues
 * the run. The stages after them plan again (their done items stay done, so nothing answered is asked again).
 */
export async function retryFailedItems(db: Db, run: RunRow): Promise<{ run: RunRow; items: number }> {
  if (run.status !== 'succeeded_with_drops' && run.status !== 'failed') {
    const why = ['queued', 'running', 'paused'].includes(run.status)
      ? 'its failed items can be retried once it has ended'
      : 'only a run that ended succeeded_with_drops or failed has failed items to retry';
    throw new ServiceError('conflict', `run ${run.id} is ${run.status}: ${why}`);
  }
  const [stages, counts] = await Promise.all([getStages(db, run.id), itemCountsByStage(db, run.id)]);
  const rerun = stages.filter((s) => (counts.get(s.name)?.failed ?? 0) > 0).map((s) => s.name);
  if (rerun.length === 0) throw new ServiceError('conflict', `run ${run.id} has no failed items`);
  const items = rerun.reduce((n, name) => n + (counts.get(name)?.failed ?? 0), 0);
  // Everything downstream of a reopened stage, and whatever the failure canceled, plans and finishes again.
  const again = new Set(rerun);
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stages) {
      if (again.has(s.name) || s.state === 'skipped') continue;
      if (s.state === 'canceled' || s.state === 'failed' || s.dependsOn.some((d) => again.has(d))) {
        again.add(s.name);
        grew = true;
      }
    }
  }
  const replan = [...again].filter((name) => !rerun.includes(name));
  const reopened = await reopenFailedItems(db, run.id, { rerun, replan });
  if (!reopened) throw new ServiceError('conflict', `run ${run.id} changed meanwhile: try again`);
  await appendEvent(db, run.id, 'run.retried', { items, stages: rerun, replanned: replan });
  return { run: reopened, items };
}

export interface StageStatus {
  name: string;
  kind: string;
  state: string;
  detail: string | null;
  error: string | null;
  dependsOn: string[];
  /** `not_processed`: items a canceled or failed run left pending, which will never be processed. */
  items: { total: number; pending: number; done: number; failed: number; dropped: number; not_processed: number };
  reasons: Record<string, number>;
  llm: Omit<StageUsage, 'reasons'>;
  startedAt: string | null;
  finishedAt: string | null;
}

export async function runStatus(db: Db, run: RunRow) {
  const [stages, counts, usage] = await Promise.all([
    getStages(db, run.id),
    itemCountsByStage(db, run.id),
    usageByStage(db, run.id),
  ]);
  // A run that ended without finishing leaves items pending that nothing will process: say so, not "pending".
  const stopped = run.status === 'canceled' || run.status === 'failed';
  const stageStatus: StageStatus[] = stages.map((s) => {
    const c = counts.get(s.name);
    const u = usage.get(s.name);
    return {
      name: s.name,
      kind: s.kind,
      state: s.state,
      detail: s.detail,
      error: s.error,
      dependsOn: s.dependsOn,
      items: {
        total: c?.total ?? 0,
        pending: stopped ? 0 : (c?.pending ?? 0),
        done: c?.done ?? 0,
        failed: c?.failed ?? 0,
        dropped: c?.dropped ?? 0,
        not_processed: stopped ? (c?.pending ?? 0) : 0,
      },
      reasons: { ...(c?.reasons ?? {}), ...(u?.reasons ?? {}) },
      llm: {
        calls: u?.calls ?? 0,
        cachedCalls: u?.cachedCalls ?? 0,
        failedCalls: u?.failedCalls ?? 0,
        inputTokens: u?.inputTokens ?? 0,
        outputTokens: u?.outputTokens ?? 0,
        cost: u?.cost ?? 0,
      },
      startedAt: s.startedAt?.toISOString() ?? null,
      finishedAt: s.finishedAt?.toISOString() ?? null,
    };
  });
  const totals = stageStatus.reduce(
    (t, s) => ({
      items: t.items + s.items.total,
      settled: t.settled + s.items.total - s.items.pending - s.items.not_processed,
      calls: t.calls + s.llm.calls,
      inputTokens: t.inputTokens + s.llm.inputTokens,
      outputTokens: t.outputTokens + s.llm.outputTokens,
      cost: t.cost + s.llm.cost,
    }),
    { items: 0, settled: 0, calls: 0, inputTokens: 0, outputTokens: 0, cost: 0 },
  );
  // A stage running before every stage it reads has finished plans more items as they do (items flow).
  const stateOf = new Map(stages.map((s) => [s.name, s.state]));
  const awaitingSources = new Set(
    stages
      .filter(
        (s) =>
          s.state === 'running' && s.dependsOn.some((d) => !['succeeded', 'skipped'].includes(stateOf.get(d) ?? '')),
      )
      .map((s) => s.name),
  );
  const estimate = (run.estimate as Estimate | null) ?? null;
  const estimatedItems = new Map(estimate?.stages.map((s) => [s.name, s.items]) ?? []);
  const active = stageStatus.filter((s) => s.state !== 'skipped');
  const settledStages = active.filter((s) => ['succeeded', 'failed', 'canceled'].includes(s.state)).length;
  // Progress: settled stages count whole, the running ones by their settled items.
  const partial = active
    .filter((s) => s.state === 'running' || s.state === 'finishing')
    .reduce((p, s) => {
      const planned = expectedItems(s, estimatedItems.get(s.name), awaitingSources);
      return p + (planned > 0 ? (s.items.total - s.items.pending) / planned : 0);
    }, 0);
  const notProcessed = stageStatus.reduce((n, s) => n + s.items.not_processed, 0);
  // A stopped run's progress is the share of its items that settled (its canceled stages did not finish anything).
  const progress = stopped
    ? totals.items === 0
      ? 1
      : (totals.items - notProcessed) / totals.items
    : active.length === 0
      ? 1
      : Math.min(1, (settledStages + partial) / active.length);
  const elapsed = run.startedAt ? (Date.now() - run.startedAt.getTime()) / 1000 : null;
  const projection = projectRun(stageStatus, estimate, {
    running: run.status === 'running',
    elapsedSeconds: elapsed,
    awaitingSources,
  });
  // The calls left at the run's rate when there is one; before the first call, the share of stages settled.
  let etaSeconds: number | null = projection.eta_seconds;
  if (etaSeconds === null && run.status === 'running' && elapsed !== null && progress > 0.02) {
    etaSeconds = Math.round((elapsed * (1 - progress)) / progress);
  }
  return {
    id: run.id,
    projectId: run.projectId,
    configId: run.configId,
    status: run.status,
    outcome: run.outcome ?? null,
    seed: run.seed,
    error: run.error,
    sources: (run.sources as Array<{ name: string }>).map((s) => s.name),
    progress: Math.round(progress * 1000) / 1000,
    etaSeconds,
    estimate: estimate && { total: estimate.total, stages: estimate.stages },
    projection,
    totals: { ...totals, cost: Math.round(totals.cost * 1e6) / 1e6 },
    stages: stageStatus,
    createdAt: run.createdAt.toISOString(),
    startedAt: run.startedAt?.toISOString() ?? null,
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}
