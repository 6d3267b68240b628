/**
 * The estimate's stand-in for a model: an `LlmPort` that never calls one. Each call renders the real prompt (the
 * stage's prompt set included) to count its input, and answers with one of the prompt's own few-shot answers — the
 * first, from the last, that the step's parser accepts — so the stage goes on exactly as it would with a model that
 * follows the format, and the stages after it plan from realistic outputs. Output size and latency come from the
 * tenant's recorded calls of that prompt and model when there are enough, else from the few-shot answer.
 * Recorded retry and drop rates (a filter's rejections) are applied by a draw seeded from the call, so the same
 * estimate is reproducible and the counts are right on average.
 */

import type { PromptRecord } from '../../db/queries/llm-accounting.ts';
import { stripReasoning } from '../../lib/reasoning.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { cacheKey } from '../../llm/cache.ts';
import { effectiveStops, estimateTokens } from '../../llm/output.ts';
import { ERROR_MESSAGE, type PromptLibrary } from '../../llm/prompts.ts';
import { type Endpoint, type PromptOverrides, promptLabel, type RenderedPrompt } from '../../llm/types.ts';
import type { LlmCall, LlmPort, LlmResult, ModelRole } from '../../pipelines/step.ts';

/** Below this many fresh answers a prompt's recorded averages are not trusted; the few-shot answer sizes the call. */
export const MIN_RECORDED_ANSWERS = 5;
/** Latency without a record: a fixed start plus a per-token generation time (a mid-sized hosted model). */
export const ASSUMED_FIRST_TOKEN_MS = 500;
export const ASSUMED_MS_PER_OUTPUT_TOKEN = 20;
const DEFAULT_MAX_ATTEMPTS = 3;

export interface SimulatedAttempt {
  prompt: string;
  model: string;
  role: ModelRole;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  /** What the parser said of a cached answer, or of a simulated one as recorded rates decided; `unanswerable` when
   * no few-shot answer passes the parser. */
  outcome: 'ok' | 'retry' | 'drop' | 'unanswerable';
  /** Whether output size and latency came from recorded calls. */
  recorded: boolean;
  /** Answered from the cache (the tenant's, or the same call earlier in the run): no tokens, no cost, no time. */
  cached: boolean;
}

export interface SimulatedLlmOptions {
  library: PromptLibrary;
  overrides?: PromptOverrides | undefined;
  endpoints: { small: Endpoint; large: Endpoint };
  completionMode: boolean;
  /** The config's use_stop (part of the request, so of its cache key). */
  useStop: boolean;
  /** Whose cache the run would read; with `refreshRun`, a run that reads only its own answers (none yet). */
  tenant: string;
  refreshRun?: string | undefined;
  /** The tenant's cached answer for a cache key, if any (the real answers a re-run or resume would reuse). */
  cachedAnswer(key: string): Promise<string | undefined>;
  /** Answers simulated so far in this estimate, by cache key, shared by every stage (a repeat is a cache hit). */
  answers: Map<string, string>;
  /** The tenant's records, by `recordKey(prompt, model)`. */
  records: ReadonlyMap<string, PromptRecord>;
  seed: number;
  onAttempt(attempt: SimulatedAttempt): void;
}

export const recordKey = (prompt: string, model: string) => `${prompt}\u0000${model}`;

export function simulatedLlm(options: SimulatedLlmOptions): LlmPort {
  return {
    async call<T>(request: LlmCall<T>): Promise<LlmResult<T>> {
      const endpoint = options.endpoints[request.model];
      const label = promptLabel(request.prompt, request.style);
      const record = options.records.get(recordKey(label, endpoint.model));
      const trusted = record && record.freshAnswers >= MIN_RECORDED_ANSWERS ? record : undefined;
      const rates = record && record.attempts >= MIN_RECORDED_ANSWERS ? record : undefined;
      const maxAttempts = Math.max(1, request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
      const draw = seededRandom(options.seed, label, request.sampleIndex ?? 0, JSON.stringify(request.vars));
      let reason = '';
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const vars = { ...request.vars, [ERROR_MESSAGE]: attempt === 0 ? '' : reason };
        const render = (completionMode: boolean) =>
          options.library.render(request.prompt, {
            style: request.style,
            vars,
            completionMode,
            overrides: options.overrides,
          });
        const sent = render(options.completionMode);
        const key = cacheKey({
          tenant: options.tenant,
          run: options.refreshRun,
          model: endpoint.model,
          baseUrl: endpoint.baseUrl,
          prompt: sent,
          maxTokens: request.sampling.maxTokens,
          temperature: request.sampling.temperature,
          topP: request.sampling.topP,
          stop: effectiveStops(request.sampling.stop, options.useStop),
          sampleIndex: request.sampleIndex ?? 0,
          attempt,
        });
        const base = { prompt: label, model: endpoint.model, role: request.model, recorded: trusted !== undefined };

        // Answered before (the tenant's cache) or earlier in this estimate: free, and parsed as the gateway would.
        const known = options.answers.get(key) ?? (await options.cachedAnswer(key));
        if (known !== undefined) {
          const stripped = stripReasoning(known);
          const parsed = stripped.ok
            ? request.parse(stripped.text)
            : { kind: 'retry' as const, reason: stripped.reason };
          options.onAttempt({
            ...base,
            inputTokens: 0,
            outputTokens: 0,
            latencyMs: 0,
            outcome: parsed.kind,
            cached: true,
          });
          if (parsed.kind === 'ok') return { ok: true, value: parsed.value, raw: stripped.ok ? stripped.text : known };
          if (parsed.kind === 'drop') return { ok: false, reason: parsed.reason };
          reason = parsed.reason;
          continue;
        }

        const answer = exampleAnswer(options.completionMode ? render(false) : sent, request);
        const outputTokens = Math.min(
          request.sampling.maxTokens,
          trusted ? Math.round(trusted.meanOutputTokens) : estimateTokens(answer?.text ?? ''),
        );
        const noted = (outcome: SimulatedAttempt['outcome']) =>
          options.onAttempt({
            ...base,
            inputTokens: estimateTokens(promptText(sent)),
            outputTokens,
            latencyMs: trusted
              ? trusted.meanLatencyMs
              : ASSUMED_FIRST_TOKEN_MS + outputTokens * ASSUMED_MS_PER_OUTPUT_TOKEN,
            outcome,
            cached: false,
          });
        if (!answer) {
          noted('unanswerable');
          return { ok: false, reason: `estimate: no few-shot answer of ${label} passes its parser` };
        }
        if (rates && attempt < maxAttempts - 1 && draw.chance(rates.retries / rates.attempts)) {
          noted('retry');
          reason = 'the recorded retry rate';
          continue;
        }
        if (rates && draw.chance(rates.drops / Math.max(1, rates.oks + rates.drops))) {
          noted('drop');
          return { ok: false, reason: 'estimate: dropped at the recorded rate' };
        }
        noted('ok');
        options.answers.set(key, answer.text);
        return { ok: true, value: answer.value, raw: answer.text };
      }
      return { ok: false, reason };
    },
  };
}

/** The first few-shot answer of the rendered prompt, from the last, that the call's parser accepts. */
function exampleAnswer<T>(prompt: RenderedPrompt, request: LlmCall<T>): { text: string; value: T } | undefined {
  if (prompt.kind !== 'chat') return undefined;
  for (const message of [...prompt.messages].reverse()) {
    if (message.role !== 'assistant') continue;
    const stripped = stripReasoning(message.content);
    if (!stripped.ok) continue;
    const parsed = request.parse(stripped.text);
    if (parsed.kind === 'ok') return { text: stripped.text, value: parsed.value };
  }
  return undefined;
}

function promptText(prompt: RenderedPrompt): string {
  return prompt.kind === 'chat' ? prompt.messages.map((m) => m.content).join('\n') : prompt.prompt;
}
