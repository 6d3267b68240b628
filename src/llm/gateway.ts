/**
 * The one way stages reach a language model. `forStage(binding)` gives a stage its `LlmPort`; each `call` renders the
 * prompt, answers from the response cache when it can, otherwise sends the request (rate limits, a concurrency slot
 * shared by the run across processes, transport retries), strips reasoning, and runs the step's parser:
 * ok → the value; retry(reason) → the call again with `error_message = reason` (up to maxAttempts); drop(reason) →
 * `{ ok: false, reason }`. Every attempt is recorded for accounting.
 */
import { Registry } from 'prom-client';
import type { Db } from '../db/client.ts';
import { stripReasoning } from '../lib/reasoning.ts';
import type { LlmCall, LlmPort, LlmResult, ParseResult } from '../pipelines/step.ts';
import { Accounting, costOf } from './accounting.ts';
import { cacheKey, ResponseCache } from './cache.ts';
import { createEmbedder, type Embedder, type EmbeddingBinding } from './embeddings.ts';
import { EndpointHealth, type HealthOptions } from './endpoint-health.ts';
import { defaultLimiterOptions, type LimiterOptions, SlotLimiter } from './limiter.ts';
import { createLlmMetrics } from './metrics.ts';
import { createOpenAiProvider, type ProviderClient } from './openai-client.ts';
import { effectiveStops, estimateTokens } from './output.ts';
import { Pacer } from './pacer.ts';
import { ERROR_MESSAGE, type PromptLibrary } from './prompts.ts';
import { EndpointRateLimiter } from './rate-limit.ts';
import { defaultRetryPolicy, type RetryPolicy } from './retry.ts';
import { sendWithRetries, type TransportDeps } from './transport.ts';
import { type Endpoint, promptLabel, type RenderedPrompt, type StageBinding } from './types.ts';

export interface GatewayDeps {
  db: Db;
  prompts: PromptLibrary;
  /** The service's Prometheus registry; a private one when absent. */
  registry?: Registry;
  /** Defaults to the openai SDK; tests may pass another `ProviderClient`. */
  provider?: ProviderClient;
  retry?: Partial<RetryPolicy>;
  limiter?: Partial<LimiterOptions>;
  health?: Partial<HealthOptions>;
  /** Jitter source (tests pass a fixed one). */
  random?: () => number;
  log?: { warn(obj: object, msg?: string): void };
}

export interface Gateway {
  forStage(binding: StageBinding): LlmPort;
  /** Embeddings for a run's stage, through the run's slots and accounting. */
  embedder(binding: EmbeddingBinding): Embedder;
  /** Rejects waiting calls and gives this process's slot leases back. */
  close(): Promise<void>;
}

const DEFAULT_MAX_ATTEMPTS = 3;
const SUPPORTED_MODES = new Set(['api', 'openai']);

export function createGateway(deps: GatewayDeps): Gateway {
  const limiter = new SlotLimiter(deps.db, {
    ...defaultLimiterOptions(),
    onError: (error, what) => deps.log?.warn({ err: error }, `llm limiter: ${what} failed`),
    ...deps.limiter,
  });
  const accounting = new Accounting(deps.db, createLlmMetrics(deps.registry ?? new Registry()));
  const cache = new ResponseCache(deps.db);
  const pacer = new Pacer();
  const transport: TransportDeps = {
    provider: deps.provider ?? createOpenAiProvider(),
    limiter,
    rates: new EndpointRateLimiter(),
    health: new EndpointHealth(deps.health),
    accounting,
    policy: { ...defaultRetryPolicy, ...deps.retry },
    random: deps.random ?? Math.random,
  };

  function forStage(binding: StageBinding): LlmPort {
    for (const endpoint of [binding.endpoints.small, binding.endpoints.large]) {
      if (!SUPPORTED_MODES.has(endpoint.mode)) {
        throw new Error(
          `model ${endpoint.model}: mode "${endpoint.mode}" is not supported (only OpenAI-compatible "api")`,
        );
      }
    }
    return { call: (request) => call(binding, request) };
  }

  async function call<T>(binding: StageBinding, request: LlmCall<T>): Promise<LlmResult<T>> {
    const endpoint = binding.endpoints[request.model];
    const stop = effectiveStops(request.sampling.stop, binding.useStop);
    const maxAttempts = Math.max(1, request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    let reason = 'no attempt was made';
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      await pacer.turn();
      if (binding.signal?.aborted) throw binding.signal.reason;
      const prompt = deps.prompts.render(request.prompt, {
        style: request.style,
        vars: { ...request.vars, [ERROR_MESSAGE]: attempt === 0 ? '' : reason },
        completionMode: binding.completionMode,
        overrides: binding.prompts,
      });
      const key = cacheKey({
        tenant: binding.owner?.tenantId ?? '',
        // A refreshing run keys its answers to itself: nothing from before it, everything it paid for on a resume.
        ...(binding.refreshCache ? { run: binding.runId } : {}),
        model: endpoint.model,
        baseUrl: endpoint.baseUrl,
        prompt,
        maxTokens: request.sampling.maxTokens,
        temperature: request.sampling.temperature,
        topP: request.sampling.topP,
        stop,
        sampleIndex: request.sampleIndex ?? 0,
        attempt,
      });
      const answer = await answerFor(key, () => fetchAnswer(binding, endpoint, request, prompt, stop, key));
      if (!answer.ok) return answer;
      const stripped = stripReasoning(answer.text);
      const result: ParseResult<T> = stripped.ok
        ? request.parse(stripped.text)
        : { kind: 'retry', reason: stripped.reason };
      const label = promptLabel(request.prompt, request.style);
      await accounting.record({
        runId: binding.runId,
        stage: binding.stage,
        tenantId: binding.owner?.tenantId,
        prompt: label,
        model: endpoint.model,
        cached: answer.cached,
        outcome: result.kind,
        reason: result.kind === 'ok' ? undefined : result.reason,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        cost: costOf(endpoint, answer.inputTokens, answer.outputTokens),
        latencyMs: answer.latencyMs,
      });
      binding.onAttempt?.({
        prompt: label,
        model: endpoint.model,
        attempt,
        cached: answer.cached,
        raw: answer.text,
        outcome: result.kind,
        reason: result.kind === 'ok' ? undefined : result.reason,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        latencyMs: answer.latencyMs,
      });
      if (result.kind === 'ok')
        return { ok: true, value: result.value, raw: stripped.ok ? stripped.text : answer.text };
      if (result.kind === 'drop') return { ok: false, reason: result.reason };
      reason = result.reason;
    }
    return { ok: false, reason };
  }

  type Answer =
    | { ok: true; text: string; cached: boolean; inputTokens: number; outputTokens: number; latencyMs: number }
    | { ok: false; reason: string };

  /**
   * Identical calls in flight at once in this process (two stages asking the same question of the same model before
   * either answer is stored) share one request; the others count as cache hits.
   */
  const inFlight = new Map<string, Promise<Answer>>();

  /**
   * The answer of an identical call in flight, else the cached answer, else a fresh one from `fetch`. The in-flight
   * entry is made before the cache is read, and covers the read: a call arriving while another is between its cache
   * miss and its stored answer shares it, instead of missing both and paying again. An entry goes only once its
   * answer is stored, so a later call finds it in the cache.
   */
  async function answerFor(key: string, fetch: () => Promise<Answer>): Promise<Answer> {
    const pending = inFlight.get(key);
    if (pending) {
      // If the other caller's request fails or is aborted with its own signal, this call makes its own.
      const shared = await pending.catch(() => undefined);
      if (shared?.ok) return { ...shared, cached: true, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
    }
    const own = (async (): Promise<Answer> => {
      const cached = await cache.get(key);
      if (cached) return { ok: true, text: cached.text, cached: true, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
      return fetch();
    })();
    inFlight.set(key, own);
    try {
      return await own;
    } finally {
      if (inFlight.get(key) === own) inFlight.delete(key);
    }
  }

  /** A fresh answer, stored before anything else happens (a crash then loses no paid call). */
  async function fetchAnswer(
    binding: StageBinding,
    endpoint: Endpoint,
    request: LlmCall<unknown>,
    prompt: RenderedPrompt,
    stop: string[] | undefined,
    key: string,
  ): Promise<Answer> {
    const promptText = prompt.kind === 'chat' ? prompt.messages.map((m) => m.content).join('\n') : prompt.prompt;
    const sent = await sendWithRetries(transport, {
      binding,
      endpoint,
      budgetTokens: estimateTokens(promptText) + request.sampling.maxTokens,
      request: {
        endpoint,
        prompt,
        maxTokens: request.sampling.maxTokens,
        temperature: request.sampling.temperature,
        topP: request.sampling.topP,
        stop,
        promptId: request.prompt,
      },
    });
    if (!sent.ok) return sent;
    const { text, usage, finishReason } = sent.answer;
    const inputTokens = usage?.inputTokens ?? estimateTokens(promptText);
    const outputTokens = usage?.outputTokens ?? estimateTokens(text);
    await cache.put({
      key,
      model: endpoint.model,
      text,
      inputTokens,
      outputTokens,
      finishReason,
      tenantId: binding.owner?.tenantId,
      projectId: binding.owner?.projectId,
    });
    return { ok: true, text, cached: false, inputTokens, outputTokens, latencyMs: sent.latencyMs };
  }

  return {
    forStage,
    embedder: (binding) => createEmbedder({ limiter, accounting, policy: transport.policy }, binding),
    close: () => limiter.close(),
  };
}
