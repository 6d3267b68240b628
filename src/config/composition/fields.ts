/**
 * Field builders shared by the composition config sections, so every count, ratio, price and endpoint key is
 * validated the same way wherever it appears. Each builder takes the original's default (blueprint §11).
 */
import { z } from 'zod';

/** A count that may legitimately be zero (subset sizes, generation counts, token budgets). */
export const count = (fallback: number) => z.int().min(0).default(fallback);
/** A size or limit where zero makes no sense (chunk sizes, concurrency, group sizes). */
export const positive = (fallback: number) => z.int().min(1).default(fallback);
/** A probability / fraction in [0, 1]. */
export const ratio = (fallback: number) => z.number().min(0).max(1).default(fallback);
export const flag = (fallback: boolean) => z.boolean().default(fallback);
export const text = (fallback: string) => z.string().default(fallback);
/** A string that must not be empty: names, prompt folders, model ids, markers. */
export const name = (fallback: string) => z.string().min(1).default(fallback);
/** USD per million tokens. */
export const price = (fallback: number) => z.number().min(0).default(fallback);

export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export type Size = 'small' | 'large';
type Direction = 'input' | 'output';

/** Where the original's example config points every endpoint. */
export const DEEPINFRA = 'https://api.deepinfra.com/v1/openai';

const modelField = (fallback: string) => name(fallback);
const urlField = (fallback: string) => httpUrl().default(fallback);
/** Secrets default to empty (= not set) instead of the original's `!!PLACEHOLDER!!` template marker. */
const keyField = () => z.string().default('');
/** Only OpenAI-compatible endpoints are implemented; the original's `cohere` mode is refused up front. */
const modeField = () =>
  z.literal('api', { error: "only mode 'api' (an OpenAI-compatible endpoint) is supported" }).default('api');

export type EndpointShape<P extends string> = { [K in `${P}_${Size}_model`]: ReturnType<typeof modelField> } & {
  [K in `${P}_${Size}_mode`]: ReturnType<typeof modeField>;
} & { [K in `${P}_${Size}_base_url`]: ReturnType<typeof urlField> } & {
  [K in `${P}_${Size}_api_key`]: ReturnType<typeof keyField>;
};

/** The eight `<prefix>_{small|large}_{model|mode|base_url|api_key}` keys every LLM section has. */
export function endpointShape<P extends string>(
  prefix: P,
  models: Record<Size, string>,
  baseUrl: string = DEEPINFRA,
): EndpointShape<P> {
  const shape: Record<string, z.ZodType> = {};
  for (const size of ['small', 'large'] as const) {
    shape[`${prefix}_${size}_model`] = modelField(models[size]);
    shape[`${prefix}_${size}_mode`] = modeField();
    shape[`${prefix}_${size}_base_url`] = urlField(baseUrl);
    shape[`${prefix}_${size}_api_key`] = keyField();
  }
  // The loop builds exactly the keys the mapped type names; TypeScript cannot follow computed keys.
  return shape as EndpointShape<P>;
}

export type CostShape<C extends string> = { [K in `${C}_${Size}_${Direction}`]: ReturnType<typeof price> };

/**
 * The four price keys. Their prefix differs between sections (`pdf_cleaning_cost` vs `factual_cost_per_million`),
 * which is why it is passed whole rather than derived from the endpoint prefix.
 */
export function costShape<C extends string>(prefix: C, prices: Record<`${Size}_${Direction}`, number>): CostShape<C> {
  const shape: Record<string, z.ZodType> = {};
  for (const size of ['small', 'large'] as const) {
    for (const direction of ['input', 'output'] as const) {
      shape[`${prefix}_${size}_${direction}`] = price(prices[`${size}_${direction}`]);
    }
  }
  return shape as CostShape<C>;
}

/** The prices of the original's example config (USD per million tokens) shared by most sections. */
export const DEFAULT_PRICES = { small_input: 0.15, small_output: 0.2, large_input: 0.23, large_output: 0.4 } as const;
export const REASONING_MODEL = 'Qwen/QwQ-32B-Preview';
export const INSTRUCT_MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
export const DEFAULT_MODELS = { small: REASONING_MODEL, large: INSTRUCT_MODEL } as const;

/** Free-form key/value maps handed to Jinja or Axolotl; keys that could reach an object prototype are refused. */
export const kwargs = () =>
  z
    .record(
      z.string().refine((key) => !['__proto__', 'constructor', 'prototype'].includes(key), 'reserved key name'),
      z.unknown(),
    )
    .default(() => ({}));
