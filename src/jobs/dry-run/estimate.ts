/**
 * What a run of a config will cost before it is paid for: every stage planned and processed over the project's real
 * chunks with the simulated model (simulated-llm.ts), counting calls, tokens, cost at the config's prices and the wall
 * time at its concurrency. No model is called; chunking is the chunk store's (cached, shared with runs).
 */

import { concurrencyLimit, resolveEndpoints } from '../../config/composition/endpoints.ts';
import { filesOfSources } from '../../db/queries/files.ts';
import { promptRecords } from '../../db/queries/llm-accounting.ts';
import { getCachedResponses } from '../../db/queries/llm-cache.ts';
import { appendEvent } from '../../db/queries/run-events.ts';
import { getRunById, setRunEstimate } from '../../db/queries/runs.ts';
import { ServiceError } from '../../lib/errors.ts';
import { costOf } from '../../llm/accounting.ts';
import { Batcher } from '../../llm/batcher.ts';
import type { SourceView } from '../../pipelines/stage.ts';
import { extractFile } from '../extraction.ts';
import { getConfigForRun, projectConfig, type RunConfig } from '../run-config.ts';
import { resolveRunSources } from '../runs.ts';
import type { StageDeps } from '../stage-deps.ts';
import type { StageRegistry } from '../stage-registry.ts';
import type { Estimate, EstimateFigures, StageEstimate } from './estimate-types.ts';
import { runSandbox } from './sandbox.ts';
import { recordKey, type SimulatedAttempt, simulatedLlm } from './simulated-llm.ts';

export interface EstimateRequest {
  tenantId: string;
  projectId: string;
  runConfig: RunConfig;
  sources: SourceView[];
  /** Count only cached answers stored before then (a run's own estimate ignores the answers the run has made). */
  cachedBefore?: Date | undefined;
  signal?: AbortSignal;
}

export async function estimateRun(
  deps: StageDeps,
  registry: StageRegistry,
  request: EstimateRequest,
): Promise<Estimate> {
  const { config, secrets } = request.runConfig;
  const promptSets = deps.promptSets;
  if (!promptSets) throw new Error('estimates need the prompt library');
  // Files still being extracted count too: extract them now (the sandbox's ingest would, and then finds them done).
  let chars = 0;
  for (const file of await filesOfSources(
    deps.db,
    request.sources.map((s) => s.id),
  )) {
    if (file.status !== 'pending') chars += file.textChars ?? 0;
    else {
      const extracted = await extractFile(deps, file.id);
      if (extracted.ok) chars += extracted.chars;
    }
  }
  if (chars > deps.settings.estimateMaxTextChars) {
    throw new ServiceError(
      'unprocessable',
      `the sources hold ${chars} characters of extracted text, more than an estimate simulates ` +
        `(${deps.settings.estimateMaxTextChars}, ESTIMATE_MAX_TEXT_CHARS): an estimate runs every call of the run in memory`,
      { extra: { text_chars: chars, limit: deps.settings.estimateMaxTextChars } },
    );
  }
  const records = new Map(
    (await promptRecords(deps.db, request.tenantId)).map((r) => [recordKey(r.prompt, r.model), r]),
  );
  const attemptsByStage = new Map<string, SimulatedAttempt[]>();
  const pricesByStage = new Map<string, ReturnType<typeof resolveEndpoints>>();
  const concurrency = concurrencyLimit(config);
  // Lookups of concurrent items share one statement.
  const cache = new Batcher<string, string | undefined>(async (keys) => {
    const found = await getCachedResponses(deps.db, keys, request.cachedBefore);
    return keys.map((key) => found.get(key)?.text);
  });
  const answers = new Map<string, string>();

  const sandbox = await runSandbox(deps, registry, {
    id: `estimate:${request.projectId}`,
    seed: config.system.seed,
    config,
    sources: request.sources,
    concurrency: 8,
    signal: request.signal ?? new AbortController().signal,
    keepOutputs: 0,
    fileHeadChars: 0,
    log: { info() {}, warn() {} },
    async llmFor(node, section) {
      const endpoints = resolveEndpoints(config, secrets, section);
      pricesByStage.set(node.name, endpoints);
      const attempts: SimulatedAttempt[] = [];
      attemptsByStage.set(node.name, attempts);
      return simulatedLlm({
        library: promptSets.library,
        overrides: await promptSets.forStage(request.projectId, config, node.kind, node.params),
        endpoints: { small: endpoints.small, large: endpoints.large },
        completionMode: endpoints.completionMode,
        useStop: endpoints.useStop,
        tenant: request.tenantId,
        refreshRun: config.llm_cache === 'refresh' ? `estimate:${request.projectId}` : undefined,
        cachedAnswer: (key) => cache.push(key),
        answers,
        records,
        seed: config.system.seed,
        onAttempt: (a) => attempts.push(a),
      });
    },
  });

  const stages: StageEstimate[] = sandbox.stages.map((stage) => {
    const attempts = attemptsByStage.get(stage.name) ?? [];
    const endpoints = pricesByStage.get(stage.name);
    const figures = sumFigures(
      attempts.map((a) => {
        // A call answered before (the tenant's cache, or the same call earlier in this run) is free and instant.
        if (a.cached) return { calls: 1, input_tokens: 0, output_tokens: 0, cost_usd: 0, wall_seconds: 0 };
        return {
          calls: 1,
          input_tokens: a.inputTokens,
          output_tokens: a.outputTokens,
          cost_usd: endpoints ? costOf(endpoints[a.role], a.inputTokens, a.outputTokens) : 0,
          wall_seconds: a.latencyMs / 1000 / concurrency,
        };
      }),
    );
    const prompts = new Map<string, StageEstimate['prompts'][number]>();
    for (const a of attempts) {
      const key = recordKey(a.prompt, a.model);
      const entry = prompts.get(key) ?? {
        prompt: a.prompt,
        model: a.model,
        calls: 0,
        basis: a.recorded ? ('recorded' as const) : ('few-shot' as const),
      };
      entry.calls++;
      prompts.set(key, entry);
    }
    return {
      name: stage.name,
      kind: stage.kind,
      items: stage.items.planned,
      dropped: stage.items.dropped + stage.items.failed,
      cached_calls: attempts.filter((a) => a.cached).length,
      models: [...new Set(attempts.map((a) => a.model))],
      prompts: [...prompts.values()],
      ...figures,
    };
  });
  return {
    total: sumFigures(stages),
    stages,
    concurrency_limit: concurrency,
    skipped: sandbox.skipped,
    basis: [
      'every stage planned over the chunks of the uploaded files, as a run plans it; no model was called',
      'input tokens: the rendered prompts at 4 characters a token',
      `output tokens and latency: the mean of this account's recorded answers for the prompt and model (at least 5), else the prompt's own few-shot answer and ${'0.5 s + 20 ms a token'}`,
      "retries and filter drops: this account's recorded rates for the prompt and model, else none",
      "calls this account's cache already answers, or repeated within the run, cost nothing",
      'wall time: model time divided by concurrency_limit (stages share the run’s slots)',
    ],
  };
}

function sumFigures(parts: EstimateFigures[]): EstimateFigures {
  const total = parts.reduce(
    (t, p) => ({
      calls: t.calls + p.calls,
      input_tokens: t.input_tokens + p.input_tokens,
      output_tokens: t.output_tokens + p.output_tokens,
      cost_usd: t.cost_usd + p.cost_usd,
      wall_seconds: t.wall_seconds + p.wall_seconds,
    }),
    { calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, wall_seconds: 0 },
  );
  return { ...total, cost_usd: round(total.cost_usd, 6), wall_seconds: round(total.wall_seconds, 1) };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The estimate of a config of a project — a stored one (`configId`) or one sent inline, already parsed — over the
 * sources a run of it would read.
 */
export async function estimateConfig(
  deps: StageDeps,
  registry: StageRegistry,
  request: { tenantId: string; projectId: string; signal?: AbortSignal } & (
    | { configId: string }
    | { runConfig: RunConfig }
  ),
): Promise<Estimate> {
  const runConfig = 'configId' in request ? await projectConfig(deps, request, request.configId) : request.runConfig;
  return estimateRun(deps, registry, {
    tenantId: request.tenantId,
    projectId: request.projectId,
    signal: request.signal,
    runConfig,
    sources: (await resolveRunSources(deps.db, request.projectId, runConfig.config)) as unknown as SourceView[],
  });
}

/** A run's own estimate, made beside it (job `run-estimate`) and kept with it, so its status shows both. */
export async function estimateForRun(deps: StageDeps, registry: StageRegistry, runId: string): Promise<void> {
  const run = await getRunById(deps.db, runId);
  if (!run || run.estimate) return;
  let estimate: Estimate;
  try {
    estimate = await estimateRun(deps, registry, {
      tenantId: run.tenantId,
      projectId: run.projectId,
      runConfig: await getConfigForRun(deps, run),
      sources: run.sources as unknown as SourceView[],
      cachedBefore: run.createdAt,
    });
  } catch (error) {
    // Too large to simulate: the run goes on without an estimate (its projection scales what it has made so far).
    if (!(error instanceof ServiceError) || error.kind !== 'unprocessable') throw error;
    await appendEvent(deps.db, run.id, 'run.estimate_skipped', { reason: error.message });
    return;
  }
  await setRunEstimate(deps.db, run.id, estimate as unknown as Record<string, unknown>);
  await appendEvent(deps.db, run.id, 'run.estimated', { ...estimate.total });
}
