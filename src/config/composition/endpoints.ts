/**
 * The LLM endpoints, stop-list flag and completion mode of each config section, read through one function so that
 * the differing key names (blueprint §7.4: `pdf_cleaning_cost_small_input` vs `factual_cost_per_million_small_input`)
 * live in one place. Fixes of the original (§1.5, §1.6): every section honours its own `*_use_stop` (the original
 * forced it off for factual generation), and completion mode is `system.completion_mode` everywhere except the
 * correction pipeline, which has its own `correction_completion_mode`.
 */
import type { Size } from './fields.ts';
import { type CompositionConfig, defaultCompositionConfig } from './schema.ts';
import { isUnsetSecret } from './secrets.ts';

export const LLM_SECTIONS = [
  'pdf_cleaning',
  'representation_variation',
  'factual_sft_settings',
  'rag_data',
  'correction_pipeline',
  'transform_generic_data',
] as const;
export type LlmSection = (typeof LLM_SECTIONS)[number];

/** One OpenAI-compatible model endpoint: what the config names for a section's small or large model. */
export interface Endpoint {
  model: string;
  /** e.g. `https://api.deepinfra.com/v1/openai`, `http://127.0.0.1:8082/v1`. */
  baseUrl: string;
  /** '' when no key was given (some local servers still want a non-empty dummy; the client decides). */
  apiKey: string;
  /** The original's `mode`: only `api` (OpenAI-compatible) is supported; the gateway refuses others by name. */
  mode: string;
  /** USD per million tokens. */
  costPerMillionInput: number;
  costPerMillionOutput: number;
  /** The config gave no price for this model (the default price was for another): costs show 0. */
  unpriced?: boolean;
  /** Optional requests-per-minute limit for this endpoint (enforced per process). */
  rpm?: number;
  /** Optional tokens-per-minute limit (input estimate + max_tokens per request, enforced per process). */
  tpm?: number;
}

export interface SectionEndpoints {
  small: Endpoint;
  large: Endpoint;
  useStop: boolean;
  completionMode: boolean;
}

type EndpointValues<P extends string> = Record<
  `${P}_${Size}_model` | `${P}_${Size}_base_url` | `${P}_${Size}_api_key`,
  string
> &
  Record<`${P}_${Size}_mode`, 'api'>;
type CostValues<C extends string> = Record<`${C}_${Size}_${'input' | 'output'}`, number>;

type Secrets = Readonly<Record<string, string>>;

/** Reads one key; TypeScript cannot resolve an index into an intersection of generic records by itself. */
function read<K extends string, V>(values: Readonly<Record<K, V>>, key: K): V {
  return values[key];
}

function endpoint<P extends string, C extends string>(
  values: EndpointValues<P> & CostValues<C>,
  where: { section: LlmSection; prefix: P; costPrefix: C; size: Size; secrets: Secrets },
): Endpoint {
  const { section, prefix, costPrefix, size, secrets } = where;
  const keyName = `${prefix}_${size}_api_key` as const;
  // The secrets map wins: the config may be the stored document, whose keys read `(set)`.
  const stored = secrets[`${section}.${keyName}`];
  const apiKey =
    stored !== undefined && !isUnsetSecret(stored) ? stored : read<typeof keyName, string>(values, keyName);
  return {
    model: read<`${P}_${Size}_model`, string>(values, `${prefix}_${size}_model`),
    baseUrl: read<`${P}_${Size}_base_url`, string>(values, `${prefix}_${size}_base_url`),
    apiKey: isUnsetSecret(apiKey) ? '' : apiKey,
    mode: read<`${P}_${Size}_mode`, 'api'>(values, `${prefix}_${size}_mode`),
    costPerMillionInput: read<`${C}_${Size}_input`, number>(values, `${costPrefix}_${size}_input`),
    costPerMillionOutput: read<`${C}_${Size}_output`, number>(values, `${costPrefix}_${size}_output`),
  };
}

function pair<P extends string, C extends string>(
  values: EndpointValues<P> & CostValues<C>,
  section: LlmSection,
  prefix: P,
  costPrefix: C,
  secrets: Secrets,
): Pick<SectionEndpoints, 'small' | 'large'> {
  return {
    small: endpoint(values, { section, prefix, costPrefix, size: 'small', secrets }),
    large: endpoint(values, { section, prefix, costPrefix, size: 'large', secrets }),
  };
}

/**
 * The endpoints of a section, with their prices. A price is for the model it was written for: when the config
 * changes a model but leaves the price at the original's default (a price for another model), the calls show a
 * cost of 0 and `unpriced`, rather than another model's price (the config's warnings say so).
 */
export function resolveEndpoints(config: CompositionConfig, secrets: Secrets, section: LlmSection): SectionEndpoints {
  const configured = configuredEndpoints(config, secrets, section);
  const defaults = configuredEndpoints(defaultConfig(), {}, section);
  const priced = (mine: Endpoint, theirs: Endpoint): Endpoint =>
    mine.model !== theirs.model &&
    mine.costPerMillionInput === theirs.costPerMillionInput &&
    mine.costPerMillionOutput === theirs.costPerMillionOutput
      ? { ...mine, costPerMillionInput: 0, costPerMillionOutput: 0, unpriced: true }
      : mine;
  return {
    ...configured,
    small: priced(configured.small, defaults.small),
    large: priced(configured.large, defaults.large),
  };
}

let defaults: CompositionConfig | undefined;
const defaultConfig = () => {
  defaults ??= defaultCompositionConfig();
  return defaults;
};

function configuredEndpoints(config: CompositionConfig, secrets: Secrets, section: LlmSection): SectionEndpoints {
  const completionMode = config.system.completion_mode;
  switch (section) {
    case 'pdf_cleaning': {
      const s = config.pdf_cleaning;
      return {
        ...pair(s, section, 'pdf_cleaning', 'pdf_cleaning_cost', secrets),
        useStop: s.pdf_cleaning_use_stop,
        completionMode,
      };
    }
    case 'representation_variation': {
      const s = config.representation_variation;
      return {
        ...pair(s, section, 'representation_variation', 'representation_variation_cost', secrets),
        useStop: s.representation_variation_use_stop,
        completionMode,
      };
    }
    case 'factual_sft_settings': {
      const s = config.factual_sft_settings;
      return {
        ...pair(s, section, 'factual', 'factual_cost_per_million', secrets),
        useStop: s.factual_use_stop,
        completionMode,
      };
    }
    case 'rag_data': {
      const s = config.rag_data;
      return { ...pair(s, section, 'rag', 'rag_cost_per_million', secrets), useStop: s.rag_use_stop, completionMode };
    }
    case 'correction_pipeline': {
      const s = config.correction_pipeline;
      return {
        ...pair(s, section, 'correction', 'correction_cost_per_million', secrets),
        useStop: s.correction_use_stop,
        completionMode: s.correction_completion_mode,
      };
    }
    case 'transform_generic_data': {
      const s = config.transform_generic_data;
      return {
        ...pair(s, section, 'transform_generic_data', 'transform_generic_data_cost_per_million', secrets),
        useStop: s.transform_generic_data_use_stop,
        completionMode,
      };
    }
  }
}

export type ChunkSizeKind = 'pdf_cleaning' | 'representation_variation' | 'factual' | 'rag' | 'correction';

/** Chunk size in tokens. RAG data has no size of its own: the original chunks it with `factual_chunk_size`. */
export function chunkSizeFor(config: CompositionConfig, kind: ChunkSizeKind): number {
  switch (kind) {
    case 'pdf_cleaning':
      return config.pdf_cleaning.pdf_cleaning_chunk_size;
    case 'representation_variation':
      return config.representation_variation.representation_variation_chunk_size;
    case 'factual':
    case 'rag':
      return config.factual_sft_settings.factual_chunk_size;
    case 'correction':
      return config.correction_pipeline.correction_chunk_size;
  }
}

/** The original's per-pipeline semaphore size; here the limit of concurrent LLM calls of a run. */
export function concurrencyLimit(config: CompositionConfig): number {
  return config.system.concurrency_limit;
}

export interface EmbeddingsEndpoint {
  baseUrl: string;
  model: string;
  apiKey: string;
}

/** The optional embeddings endpoint for related-chunk search; undefined when the config has none. */
export function resolveEmbeddings(config: CompositionConfig, secrets: Secrets): EmbeddingsEndpoint | undefined {
  const e = config.embeddings;
  if (!e) return undefined;
  const stored = secrets['embeddings.api_key'];
  const apiKey = stored !== undefined && !isUnsetSecret(stored) ? stored : e.api_key;
  return { baseUrl: e.base_url, model: e.model, apiKey: isUnsetSecret(apiKey) ? '' : apiKey };
}
