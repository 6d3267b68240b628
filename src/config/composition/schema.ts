/**
 * The composition config: the original's `config.yaml` layout (blueprint §11), nested, every key with its default
 * so a config gives only what differs (`{}` is a complete config). Objects are strict: a misspelt or misplaced key
 * is an error with its full path instead of the original's silent "unused kwargs" (or a late KeyError).
 *
 * Deliberate differences from the original's defaults: secrets default to '' instead of `!!PLACEHOLDER!!`;
 * `dataset_context` defaults to a neutral phrase; the hub model ids default to null (nothing is pushed);
 * `do_train` / `do_run` default to false because this service never trains or serves (§9 is out of scope); the
 * managed storage paths have no default (the service places outputs itself). Service additions: `system.seed` and
 * the optional `embeddings` endpoint for related-chunk search.
 */
import { z } from 'zod';
import {
  costShape,
  count,
  DEFAULT_MODELS,
  DEFAULT_PRICES,
  endpointShape,
  flag,
  httpUrl,
  kwargs,
  name,
  positive,
  ratio,
  text,
} from './fields.ts';
import {
  CORRECTION_PROMPT_TEMPLATE,
  FINAL_ASSISTANT_PROMPTS_NO_RAG,
  RAG_ASSISTANT_FORMAT,
  RAG_FINAL_ASSISTANT_PROMPTS,
  RAG_SYSTEM_FORMAT,
  RAG_USER_FORMAT,
  REMOVE_THOUGHT_PROCESS_PROMPT,
  SHARED_INSTRUCTION,
} from './prose.ts';
import { sourceSettingFields } from './source-settings.ts';
import { factualSftSchema } from './ways.ts';

export const DEFAULT_SEED = 1048596;
/** Past three quarters of a stage's items lost, a run is almost surely misconfigured (wrong model, wrong prompts). */
export const DEFAULT_MAX_DROP_FRACTION = 0.75;

/** The drop limit of a stage kind under the config's `max_drop_fraction`. */
export function maxDropFractionFor(
  config: { max_drop_fraction: number | Record<string, number> },
  kind: string,
): number {
  const setting = config.max_drop_fraction;
  if (typeof setting === 'number') return setting;
  return setting[kind] ?? setting.default ?? DEFAULT_MAX_DROP_FRACTION;
}

const NO_FLATTEN = [
  'factual_sft',
  'template_kwargs',
  'generic_dataset_paths',
  'generic_dataset_percentages',
  'other_pretrain_kwargs',
  'other_finetune_kwargs',
  'input_dirs',
];

/** Prompt lists are sampled per conversation, so an empty list could not produce a system prompt. */
const promptList = (fallback: readonly string[]) =>
  z
    .array(z.string().min(1))
    .min(1)
    .default(() => [...fallback]);

const modelAutoTrain = z.strictObject({
  do_train: flag(false),
  runpod_api_key: text(''),
  huggingface_token: text('').refine((v) => v === '' || v.startsWith('hf_'), {
    message: 'a Hugging Face access token starts with hf_',
  }),
  wandb_api_key: text(''),
  pod_id: z.string().nullable().default(null),
});

const modelAutoRun = z.strictObject({
  do_run: flag(false),
  cache_dir: name('./cache'),
  server_type: z.enum(['normal', 'rag']).default('normal'),
});

/**
 * The source an `input_dirs` path names: its last segment, as the original names every output after it
 * (`./inputs/manuals/`, `inputs/manuals`, `/data/inputs/manuals` and `manuals` all name `manuals`).
 */
export function sourceNameOfPath(path: string): string {
  const segments = path.split(/[\\/]+/).filter((segment) => segment !== '');
  return segments.at(-1) ?? path;
}

/** One `input_dirs` entry: `path` names a source of the project; omitted settings come from the source itself. */
export const inputDirSchema = z.strictObject({ path: z.string().min(1).transform(sourceNameOfPath) }).extend(
  Object.fromEntries(Object.entries(sourceSettingFields).map(([key, field]) => [key, field.optional()])) as {
    [K in keyof typeof sourceSettingFields]: z.ZodOptional<(typeof sourceSettingFields)[K]>;
  },
);

const pathSection = z.strictObject({
  /** Absent = every source of the project, each with its stored settings. */
  input_dirs: z
    .array(inputDirSchema)
    .superRefine((dirs, ctx) => {
      // Naming a source twice would generate its data twice and collide on the per-source output names.
      const seen = new Set<string>();
      dirs.forEach((dir, i) => {
        if (seen.has(dir.path))
          ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `source "${dir.path}" is listed twice` });
        seen.add(dir.path);
      });
    })
    .optional(),
  // Accepted so the original's files load, but ignored: the service manages storage (parse.ts warns).
  output_dir: z.string().optional(),
  models_dir: z.string().optional(),
  huggingface_cache_dir: z.string().optional(),
});

const system = z.strictObject({
  number_of_factual_sft_generations_to_do: count(1),
  remove_system_prompt_ratio: ratio(0.2),
  remove_thought_process_ratio: ratio(0.2),
  remove_thought_process_prompt: text(REMOVE_THOUGHT_PROCESS_PROMPT),
  final_answer_str: name('Answer:'),
  generic_thought_process_on_domain_data: flag(true),
  cite_sources_at_end: flag(true),
  completion_mode: flag(false),
  concurrency_limit: positive(300),
  /** Unused by the original (each section has its own use_stop); accepted for compatibility. */
  use_stop: flag(true),
  subset_size: count(30),
  use_subset: flag(true),
  /** Unused by the original (each section has its own chunk size); accepted for compatibility. */
  chunk_size: positive(4000),
  what_percent_of_sft_is_pretrain: z.number().min(0).max(100).nullable().default(null),
  num_tokens_pretraining_in_sft: z.int().min(0).nullable().default(2_000_000),
  shared_instruction: text(SHARED_INSTRUCTION),
  /** Seeds subsets and every random choice of a run, so a resumed or repeated run draws the same data. */
  seed: z.int().min(0).default(DEFAULT_SEED),
});

const pdfCleaning = z.strictObject({
  pdf_cleaning_chunk_size: positive(4000),
  ...endpointShape('pdf_cleaning', DEFAULT_MODELS),
  pdf_cleaning_use_stop: flag(true),
  ...costShape('pdf_cleaning_cost', DEFAULT_PRICES),
  pdf_cleaning_prompts: name('prompts'),
  pdf_cleaning_default_prompts: name('prompts'),
});

/** §5.4: the programmatic variations the original implements. */
export const CODE_VARIATION_FUNCTIONS = [
  'allcaps',
  'lowercase',
  'serialkillercase',
  'titlecase',
  'sentencecase',
  'snakecase',
  'kebabcase',
  'camelcase',
  'pascalcase',
  'randomcase',
  'invertcase',
  'keyboard_augmentation',
] as const;

const representationVariation = z.strictObject({
  representation_variation_chunk_size: positive(4000),
  ...endpointShape('representation_variation', DEFAULT_MODELS),
  representation_variation_use_stop: flag(true),
  ...costShape('representation_variation_cost', DEFAULT_PRICES),
  representation_variation_prompts: name('prompts'),
  representation_variation_default_prompts: name('prompts'),
  representation_variation_prompts_inferred: name('prompts_inferred_facts'),
  representation_variation_default_prompts_inferred: name('prompts_inferred_facts'),
  code_variation_functions: z.array(z.enum(CODE_VARIATION_FUNCTIONS)).default(() => ['keyboard_augmentation' as const]),
});

const factualSftSettings = z.strictObject({
  factual_use_stop: flag(true),
  factual_chunk_size: positive(3000),
  /** Unused (as in the original): completion mode comes from `system.completion_mode`. */
  factual_completion_mode: flag(false),
  ...endpointShape('factual', DEFAULT_MODELS),
  ...costShape('factual_cost_per_million', DEFAULT_PRICES),
  final_assistant_prompts_no_rag: promptList(FINAL_ASSISTANT_PROMPTS_NO_RAG),
  items_per_conversation: positive(3),
  /** Upper bound of QA pairs per combined conversation; the original asserts it is above 1. */
  combine_sharegpt_target_pairs: z.int().min(2).default(5),
});

const ragData = z.strictObject({
  rag_failure_percentage: ratio(0.5),
  rag_max_chunks: positive(3),
  user_format: name(RAG_USER_FORMAT),
  system_format: name(RAG_SYSTEM_FORMAT),
  assistant_format: name(RAG_ASSISTANT_FORMAT),
  bos: text('<s>'),
  final_assistant_prompts: promptList(RAG_FINAL_ASSISTANT_PROMPTS),
  num_items_per_group: positive(3),
  rag_skip_filter_chunks: flag(false),
  ...endpointShape('rag', DEFAULT_MODELS),
  ...costShape('rag_cost_per_million', DEFAULT_PRICES),
  rag_use_stop: flag(true),
  rag_prompts: name('prompts'),
  rag_default_prompts: name('prompts'),
});

const transformGenericData = z.strictObject({
  transform_generic_data_use_stop: flag(true),
  ...endpointShape('transform_generic_data', { small: 'deepseek-ai/DeepSeek-V3', large: 'deepseek-ai/DeepSeek-V3' }),
  transform_generic_cot_preface: text('Thought Process:'),
  transform_generic_cot_suffix: text('\nAnswer:'),
  transform_generic_prompts: name('prompts'),
  ...costShape('transform_generic_data_cost_per_million', {
    small_input: 0,
    small_output: 0,
    large_input: 0,
    large_output: 0,
  }),
});

const correctionPipeline = z.strictObject({
  /** Both unused (as in the original): each source's correction subset settings apply. */
  correction_use_subset: flag(true),
  correction_subset_size: count(30),
  correction_chunk_size: positive(4000),
  ...endpointShape('correction', DEFAULT_MODELS),
  ...costShape('correction_cost_per_million', DEFAULT_PRICES),
  correction_prompt_template: name(CORRECTION_PROMPT_TEMPLATE),
  correction_use_stop: flag(true),
  correction_completion_mode: flag(false),
  correction_prompts: name('prompts'),
  correction_default_prompts: name('prompts'),
});

const genericDataset = z.strictObject({
  /** A Hugging Face dataset id, `owner/name` (or a bare `name`). */
  path: z
    .string()
    .regex(/^[\w.-]+(\/[\w.-]+)?$/, 'a Hugging Face dataset id: owner/name')
    .refine(
      (p) => !p.split('/').some((part) => part === '.' || part === '..'),
      'a Hugging Face dataset id: owner/name',
    ),
  /** Our own key: the branch, tag or commit to read (the Hub's default branch when absent). */
  revision: name('main'),
  context_to_add: text(''),
  context_to_add_type: z.enum(['system', 'human', 'none']).default('none'),
});

const DEFAULT_GENERIC_DATASETS: ReadonlyArray<Omit<z.output<typeof genericDataset>, 'revision'>> = [
  {
    path: 'Augmentoolkit/generic-sft-grabbag-small',
    context_to_add: 'You are a helpful assistant whose speciality is {context}.',
    context_to_add_type: 'none',
  },
  {
    path: 'Augmentoolkit/lmsys-800ktokens-basicfiltering',
    context_to_add: 'Decline any request that even the strictest, most puritanical moral standard would find improper.',
    context_to_add_type: 'human',
  },
  { path: 'Augmentoolkit/openthoughts-100mil-sharegpt', context_to_add: '', context_to_add_type: 'none' },
  { path: 'Augmentoolkit/bluemoon-subset', context_to_add: 'ROLEPLAY MODE ON.', context_to_add_type: 'human' },
  { path: 'Augmentoolkit/pippa_sharegpt_trimmed', context_to_add: 'ROLEPLAY MODE ON.', context_to_add_type: 'human' },
  { path: 'Augmentoolkit/capybara-sharegpt', context_to_add: '', context_to_add_type: 'none' },
];

const DEFAULT_GENERIC_PERCENTAGES = [20, 10, 40, 10, 10, 10];

const finalDatasavingSettings = z
  .strictObject({
    /** `atk`, `chatml`, or a custom Jinja template. */
    template: name('atk'),
    template_kwargs: kwargs(),
    generic_dataset_paths: z
      .array(genericDataset)
      .default(() => DEFAULT_GENERIC_DATASETS.map((d) => ({ revision: 'main', ...d }))),
    /**
     * Token share of each generic dataset relative to the domain SFT, aligned by position with the paths. When
     * absent, the original's defaults pair with the paths by position (as its zip did), so listing fewer datasets,
     * or none, needs no percentages.
     */
    generic_dataset_percentages: z.array(z.number().min(0)).optional(),
    max_samples_per_dataset: positive(1_000_000),
    minimum_generic_sft: count(2_000_000),
  })
  .superRefine((settings, ctx) => {
    const paths = settings.generic_dataset_paths.length;
    const shares = settings.generic_dataset_percentages?.length ?? DEFAULT_GENERIC_PERCENTAGES.length;
    if (settings.generic_dataset_percentages === undefined ? paths > shares : paths !== shares) {
      ctx.addIssue({
        code: 'custom',
        path: ['generic_dataset_percentages'],
        message: `needs one percentage per generic_dataset_paths entry (${paths}), got ${shares}`,
      });
    }
  })
  .transform(({ generic_dataset_percentages: given, ...settings }) => ({
    ...settings,
    generic_dataset_percentages: given ?? DEFAULT_GENERIC_PERCENTAGES.slice(0, settings.generic_dataset_paths.length),
  }));

const modelTraining = z.strictObject({
  base_model: name('alpindale/Mistral-7B-v0.2-hf'),
  pretrain_hub_model_id: z.string().nullable().default(null),
  pretrain_hub_strategy: name('all_checkpoints'),
  finetune_hub_model_id: z.string().nullable().default(null),
  finetune_hub_strategy: name('all_checkpoints'),
  context_length: positive(10000),
  wandb_project: z.string().nullable().default('test-project'),
  is_mistral_derived_model: flag(true),
  other_pretrain_kwargs: kwargs(),
  other_finetune_kwargs: kwargs(),
});

/** Service addition: an OpenAI-compatible embeddings endpoint for related-chunk search; absent = lexical search. */
const embeddings = z.strictObject({
  base_url: httpUrl(),
  model: z.string().min(1),
  api_key: text(''),
});

export const compositionConfigSchema = z.strictObject({
  pipeline: z.literal('factual-datagen-pipeline').default('factual-datagen-pipeline'),
  no_flatten: z.array(z.string()).default(() => [...NO_FLATTEN]),
  /** Short phrase naming the documents' domain; fills `{context}` placeholders in prompts. */
  dataset_context: name('the documents'),
  do_not_use_llm_for_pdf_processing: flag(true),
  model_auto_train: modelAutoTrain.prefault({}),
  model_auto_run: modelAutoRun.prefault({}),
  path: pathSection.prefault({}),
  system: system.prefault({}),
  pdf_cleaning: pdfCleaning.prefault({}),
  representation_variation: representationVariation.prefault({}),
  factual_sft: factualSftSchema,
  factual_sft_settings: factualSftSettings.prefault({}),
  rag_data: ragData.prefault({}),
  transform_generic_data: transformGenericData.prefault({}),
  correction_pipeline: correctionPipeline.prefault({}),
  final_datasaving_settings: finalDatasavingSettings.prefault({}),
  model_training: modelTraining.prefault({}),
  embeddings: embeddings.optional(),
  /**
   * This service's own: the largest share of a stage's items that may be dropped or fail before the run stops,
   * before paying for the stages after it. A number for every stage, or per stage kind with an optional `default`.
   */
  max_drop_fraction: z
    .union([ratio(DEFAULT_MAX_DROP_FRACTION), z.record(z.string(), z.number().min(0).max(1))])
    .default(DEFAULT_MAX_DROP_FRACTION),
  /**
   * Our own key: `reuse` (default) answers a call made before, by this tenant, from the stored answer (free, and what
   * makes a resumed run repeat nothing); `refresh` asks the provider again, for fresh samples (a resumed run still
   * reuses the answers it paid for itself).
   */
  llm_cache: z.enum(['reuse', 'refresh']).default('reuse'),
  /**
   * Our own key: a spend cap in USD for a run (at the config's prices). A call that would pass it pauses the run
   * (status `paused`, reason `budget`) instead; nothing paid for is lost, and a resume may raise the cap.
   */
  budget_usd: z.number().positive().nullable().default(null),
  /**
   * Our own key: an endpoint answering nothing but 429s for this long (no success in between) is out of quota for now:
   * the run pauses with the provider's words instead of failing items. Until then 429s are waited out (Retry-After,
   * backoff) without using up an item's attempts.
   */
  rate_limit_pause_after_seconds: z.number().positive().max(86_400).default(300),
});

export type CompositionConfig = z.output<typeof compositionConfigSchema>;
export type CompositionConfigInput = z.input<typeof compositionConfigSchema>;
export type InputDir = z.output<typeof inputDirSchema>;
export type { FactualWay } from './ways.ts';

/** The complete default config (a fresh object each call). */
export function defaultCompositionConfig(): CompositionConfig {
  return compositionConfigSchema.parse({});
}
