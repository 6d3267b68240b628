/**
 * The gateway's public types. The config module produces `Endpoint`s from a run config's model sections (the
 * original's `<section>_{small|large}_{model,base_url,api_key,mode}` and cost keys); the job layer builds a
 * `StageBinding` per stage and asks the gateway for that stage's `LlmPort`.
 */
import type { Endpoint } from '../config/composition/endpoints.ts';

export type { Endpoint };

/** One prompt file compiled and checked against its prompt's declared variables (opaque outside prompts.ts). */
export interface CompiledPrompt {
  readonly compiled: unknown;
}

/** A prompt set compiled: prompt id → its file. */
export type PromptOverrides = ReadonlyMap<string, CompiledPrompt>;

export interface StageBinding {
  /** The limiter's scope: concurrency_limit holds across every stage of the run and every worker process. */
  runId: string;
  /** Accounting key (the stage name, e.g. `factual_sft/negative/0`). */
  stage: string;
  endpoints: { small: Endpoint; large: Endpoint };
  /** The config's use_stop: when false no stop strings are sent at all. */
  useStop: boolean;
  /** The config's completion_mode: `/completions` with the `.txt` prompt variant instead of chat messages. */
  completionMode: boolean;
  /** The run's concurrency_limit (use the same value for every stage of a run). */
  concurrencyLimit: number;
  /**
   * When calls wait for a slot, lower priorities go first. The job layer passes the item's start time, so the items
   * that started first finish first (and free their worker slot for new items) rather than every item in flight
   * advancing in lockstep and all finishing at the end. Default: the call's arrival time.
   */
  priority?: number;
  /** Aborts waiting and in-flight calls (job cancelled or worker stopping); the call then throws. */
  signal?: AbortSignal;
  /** The prompt set the config names for this stage (an uploaded set, or `prompts_local`), compiled. */
  prompts?: PromptOverrides;
  /**
   * Whose calls these are: the tenant is part of every cache key (no tenant is answered from another's calls, nor
   * learns from a free answer that someone made the same call), the project marks what its deletion removes.
   */
  owner?: { tenantId: string; projectId: string };
  /** The config's `llm_cache: refresh`: answers from before this run are not reused (its own are, on a resume). */
  refreshCache?: boolean;
  /** 429s with no success for this long pause the run (ProviderExhaustedError); until then they are waited out. */
  rateLimitPauseMs?: number;
  /** Sees every attempt once it is parsed (previews trace their calls with it). */
  onAttempt?: (attempt: AttemptTrace) => void;
}

/** One attempt of a call as the gateway saw it: what was asked, what came back and what the parser said. */
export interface AttemptTrace {
  /** The prompt id, `id#style` for a style's variant. */
  prompt: string;
  model: string;
  /** 0 for the first try; a retry follows a parse `retry`. */
  attempt: number;
  cached: boolean;
  raw: string;
  outcome: 'ok' | 'retry' | 'drop';
  reason?: string | undefined;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

/** How accounting and traces name a call's prompt: its id, with the style whose variant it asked for. */
export function promptLabel(id: string, style: string | undefined): string {
  return style ? `${id}#${style}` : id;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What goes to the provider: chat messages or one completion-mode prompt string. */
export type RenderedPrompt = { kind: 'chat'; messages: ChatMessage[] } | { kind: 'completion'; prompt: string };

/** Thrown (a fault, so the job layer retries the item later) when the provider stays unreachable or refuses us. */
/** The provider said the account is out of quota, credit or its daily cap: the run should pause, not fail. */
export class ProviderExhaustedError extends Error {
  constructor(readonly providerWords: string) {
    super(`the provider's quota is exhausted: ${providerWords}`);
    this.name = 'ProviderExhaustedError';
  }
}

export class LlmProviderError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmProviderError';
  }
}
