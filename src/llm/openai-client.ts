/**
 * The only module that imports `openai`: chat (`/chat/completions`) and completion mode (`/completions`) against any
 * OpenAI-compatible server through `baseURL`. The SDK's retries are disabled (retry.ts owns them) and its errors are
 * translated into `ProviderFailure`s so nothing else depends on SDK types.
 */
import OpenAI from 'openai';
import { type ProviderFailure, ProviderFailureError, parseRetryAfter } from './retry.ts';
import type { Endpoint, RenderedPrompt } from './types.ts';

export interface ProviderRequest {
  endpoint: Pick<Endpoint, 'model' | 'baseUrl' | 'apiKey'>;
  prompt: RenderedPrompt;
  maxTokens: number;
  temperature?: number | undefined;
  topP?: number | undefined;
  /** Already cut to what the provider accepts; undefined sends none. */
  stop?: string[] | undefined;
  /** Sent as `x-prompt-id` so servers (and the fake) can count requests by prompt. */
  promptId: string;
  /** The whole call's upper bound. */
  timeoutMs: number;
  /** Abandon the call when its answer has not begun within this long, or stops moving for the second. */
  firstTokenTimeoutMs?: number | undefined;
  idleTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface ProviderAnswer {
  text: string;
  finishReason: string | null;
  /** From the provider's `usage`, when it reports one. */
  usage?: { inputTokens: number; outputTokens: number };
}

/** Throws `ProviderFailureError` for every failed attempt. */
export interface ProviderClient {
  complete(request: ProviderRequest): Promise<ProviderAnswer>;
}

// The SDK refuses to start without a key; local servers (llama.cpp, vLLM, Ollama) ignore whatever is sent.
const NO_KEY = 'sk-no-key';

/** One SDK client per (base URL, key), shared by completions and embeddings so connections are reused. */
const clients = new Map<string, OpenAI>();
function clientFor(baseUrl: string, apiKey: string): OpenAI {
  const key = `${baseUrl}\u0000${apiKey}`;
  let client = clients.get(key);
  if (!client) {
    client = new OpenAI({ baseURL: baseUrl, apiKey: apiKey || NO_KEY, maxRetries: 0 });
    clients.set(key, client);
  }
  return client;
}

/**
 * Answers are streamed (with `stream_options.include_usage`), so a call's health is seen as it goes: no first chunk
 * within `firstTokenTimeoutMs`, or no chunk for `idleTimeoutMs` once it has begun, abandons the call as a timeout
 * (retried like any), instead of holding a slot until the worst-case bound of a long answer.
 */
export function createOpenAiProvider(): ProviderClient {
  return {
    async complete(request) {
      const client = clientFor(request.endpoint.baseUrl, request.endpoint.apiKey);
      const watch = new StreamWatch(request);
      const options = {
        signal: watch.signal,
        timeout: request.timeoutMs,
        maxRetries: 0,
        headers: { 'x-prompt-id': request.promptId },
      };
      const sampling = {
        model: request.endpoint.model,
        max_tokens: request.maxTokens,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.topP !== undefined ? { top_p: request.topP } : {}),
        ...(request.stop ? { stop: request.stop } : {}),
        stream: true as const,
        stream_options: { include_usage: true },
      };
      try {
        let text = '';
        let finishReason: string | null = null;
        let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
        if (request.prompt.kind === 'chat') {
          const stream = await client.chat.completions.create(
            { ...sampling, messages: request.prompt.messages },
            options,
          );
          for await (const chunk of stream) {
            watch.progress();
            const choice = chunk.choices[0];
            text += choice?.delta?.content ?? '';
            finishReason = choice?.finish_reason ?? finishReason;
            usage = chunk.usage ?? usage;
          }
        } else {
          const stream = await client.completions.create({ ...sampling, prompt: request.prompt.prompt }, options);
          for await (const chunk of stream) {
            watch.progress();
            const choice = chunk.choices[0];
            text += choice?.text ?? '';
            finishReason = choice?.finish_reason ?? finishReason;
            usage = chunk.usage ?? usage;
          }
        }
        // The SDK ends a stream quietly when it is aborted mid-way: a cut answer must not pass for a whole one.
        const stalled = watch.stalled();
        if (stalled) throw new ProviderFailureError({ kind: 'timeout', transient: true, reason: stalled });
        if (request.signal?.aborted) {
          throw new ProviderFailureError({ kind: 'aborted', transient: false, reason: 'aborted' });
        }
        if (finishReason === null && text === '') throw noChoices();
        return answer(text, finishReason, usage);
      } catch (error) {
        if (error instanceof ProviderFailureError) throw error;
        const stalled = watch.stalled();
        if (stalled) throw new ProviderFailureError({ kind: 'timeout', transient: true, reason: stalled });
        throw new ProviderFailureError(classify(error, request.timeoutMs));
      } finally {
        watch.close();
      }
    },
  };
}

/** The first-chunk and between-chunks timers of one streamed call, and the abort they (or the caller) trigger. */
class StreamWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private reason: string | undefined;
  private readonly onAbort = () => this.controller.abort(this.request.signal?.reason);

  constructor(private readonly request: ProviderRequest) {
    request.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (request.signal?.aborted) this.controller.abort(request.signal.reason);
    this.arm(request.firstTokenTimeoutMs, `no answer within ${request.firstTokenTimeoutMs} ms`);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A chunk arrived: the idle timer starts again. */
  progress(): void {
    this.arm(this.request.idleTimeoutMs, `the answer stalled for ${this.request.idleTimeoutMs} ms`);
  }

  /** Why the watch abandoned the call (undefined when it did not, e.g. the caller aborted). */
  stalled(): string | undefined {
    return this.request.signal?.aborted ? undefined : this.reason;
  }

  close(): void {
    clearTimeout(this.timer);
    this.request.signal?.removeEventListener('abort', this.onAbort);
  }

  private arm(ms: number | undefined, reason: string): void {
    clearTimeout(this.timer);
    if (ms === undefined || ms <= 0) return;
    this.timer = setTimeout(() => {
      this.reason = reason;
      this.controller.abort(new Error(reason));
    }, ms);
    this.timer.unref?.();
  }
}

/** `/embeddings` for a batch of inputs, in input order. Throws `ProviderFailureError` for a failed attempt. */
export async function embedBatch(
  endpoint: Pick<Endpoint, 'model' | 'baseUrl' | 'apiKey'>,
  inputs: string[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ vectors: number[][]; inputTokens: number | undefined }> {
  const client = clientFor(endpoint.baseUrl, endpoint.apiKey);
  try {
    const response = await client.embeddings.create(
      { model: endpoint.model, input: inputs, encoding_format: 'float' },
      { signal, timeout: timeoutMs, maxRetries: 0, headers: { 'x-prompt-id': 'embeddings' } },
    );
    const vectors: number[][] = new Array(inputs.length);
    for (const item of response.data) vectors[item.index] = item.embedding;
    if (vectors.some((v) => !Array.isArray(v))) {
      throw new ProviderFailureError({ kind: 'server-error', transient: true, reason: 'embeddings missing inputs' });
    }
    return { vectors, inputTokens: response.usage?.prompt_tokens };
  } catch (error) {
    if (error instanceof ProviderFailureError) throw error;
    throw new ProviderFailureError(classify(error, timeoutMs));
  }
}

function answer(
  text: string,
  finishReason: string | null | undefined,
  usage: { prompt_tokens?: number; completion_tokens?: number } | undefined,
): ProviderAnswer {
  const result: ProviderAnswer = { text, finishReason: finishReason ?? null };
  if (usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number') {
    result.usage = { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  }
  return result;
}

const noChoices = () =>
  new ProviderFailureError({ kind: 'server-error', transient: true, reason: 'response without choices' });

/** SDK error → failure kind. 400/413/422 concern this request (the item is dropped); 401/403/404 the config (a fault). */
/** Provider messages that mean the account, not the moment, is out of capacity. */
const EXHAUSTED =
  /exceeded your current quota|insufficient (?:quota|credit|balance|funds)|daily (?:limit|quota|cap)|billing/i;

export function classify(error: unknown, timeoutMs: number): ProviderFailure {
  const detail = error instanceof Error ? error.message.slice(0, 300) : String(error);
  if (error instanceof OpenAI.APIUserAbortError)
    return { kind: 'aborted', transient: false, reason: 'aborted', detail };
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { kind: 'timeout', transient: true, reason: `timeout after ${timeoutMs} ms`, detail };
  }
  if (error instanceof OpenAI.APIConnectionError)
    return { kind: 'connection', transient: true, reason: 'connection error', detail };
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const base = { status, reason: `HTTP ${status}`, detail };
    // Quota, credit or a daily cap: waiting a few seconds does not bring them back.
    const code = String((error as { code?: unknown }).code ?? '');
    if (status === 402 || (status === 429 && (/insufficient_quota|billing/.test(code) || EXHAUSTED.test(detail)))) {
      return { ...base, kind: 'exhausted', transient: false, reason: `HTTP ${status} quota exhausted` };
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter((name) => error.headers?.get(name));
      return {
        ...base,
        kind: 'rate-limited',
        transient: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    if (status >= 500 || status === 408 || status === 409 || status === 425) {
      return { ...base, kind: 'server-error', transient: true };
    }
    if (status === 401 || status === 403 || status === 404) return { ...base, kind: 'refused', transient: false };
    return { ...base, kind: 'rejected', transient: false };
  }
  // Anything else (an unreadable body, a proxy's HTML page) is treated as a passing server fault.
  return { kind: 'server-error', transient: true, reason: 'invalid response', detail };
}
