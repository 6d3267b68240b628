/**
 * Glossary
 * - run:     one execution of a project's config: a graph of stages.
 * - stage:   a named node of that graph (ingest, representation_variation, factual_sft/negative/0 …). It plans its
 *            items, processes one item at a time (possibly on many workers) and finishes by writing its artifacts.
 * - item:    the unit of work of a stage (a file, a chunk). Its outcome is recorded once: done, dropped (with a
 *            reason) or failed (a fault that exhausted its retries).
 * - step:    one function inside an item's processing (filter, atomic facts, rewrite …); pure apart from `ctx.llm`.
 * - outcome: what a step or item returns instead of throwing for expected failures.
 *
 * This file declares what a step may use. Pipelines depend on the LLM gateway only through `LlmPort`; the job layer
 * hands the real gateway in, so a step test passes a stub.
 */
import type { Random } from '../lib/seeded-random.ts';

/** What a parser says about one LLM answer. `retry` repeats the call (the reason is given to the prompt as
 * `error_message` when it asks for it); `drop` gives up on the item with that reason. */
export type ParseResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'retry'; reason: string }
  | { kind: 'drop'; reason: string };

export const parsed = {
  ok: <T>(value: T): ParseResult<T> => ({ kind: 'ok', value }),
  retry: <T = never>(reason: string): ParseResult<T> => ({ kind: 'retry', reason }),
  drop: <T = never>(reason: string): ParseResult<T> => ({ kind: 'drop', reason }),
};

export type Parser<T> = (text: string) => ParseResult<T>;

/** Which of the stage's two configured endpoints to use (the original's small and large model). */
export type ModelRole = 'small' | 'large';

export interface Sampling {
  maxTokens: number;
  temperature?: number;
  topP?: number;
  /** Stop strings; the gateway drops them when the config's use_stop is off and cuts them to the provider limit. */
  stop?: string[];
}

export interface LlmCall<T> {
  /**
   * Prompt id = path under prompts/ without extension, e.g. `representation-variation/filter`. With `style`, the file
   * `<dirname(id)>/<style>/<basename(id)>` is used when it exists, else the default (the original's override folders).
   */
  prompt: string;
  style?: string;
  /** Values for the prompt's placeholders. Inserted verbatim: braces inside them are never re-interpreted. */
  vars: Record<string, unknown>;
  model: ModelRole;
  sampling: Sampling;
  /** Separates repeated samples of the same prompt (the i-th variation); part of the cache key. */
  sampleIndex?: number;
  parse: Parser<T>;
  /** Attempts (calls) before the item is dropped with the last reason. Default 3. */
  maxAttempts?: number;
}

export type LlmResult<T> = { ok: true; value: T; raw: string } | { ok: false; reason: string };

/** The only way a step reaches a language model. Limits, retries, cache and accounting live behind it. */
export interface LlmPort {
  call<T>(request: LlmCall<T>): Promise<LlmResult<T>>;
}

export interface StepLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface StepContext {
  llm: LlmPort;
  /** A PRNG seeded from the run seed plus the given parts (use the item's content hash). */
  random(...parts: Array<string | number>): Random;
  signal: AbortSignal;
  log: StepLogger;
}

/** An item's result: done with its output, or dropped with a reason. Faults are thrown (and retried by the queue). */
export type ItemOutcome<T> = { state: 'done'; output: T } | { state: 'dropped'; reason: string };

export const outcome = {
  done: <T>(output: T): ItemOutcome<T> => ({ state: 'done', output }),
  dropped: <T = never>(reason: string): ItemOutcome<T> => ({ state: 'dropped', reason }),
};
