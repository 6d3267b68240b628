/**
 * The steps of one chunk shared by the representation-variation and inferred-facts pipelines (blueprint §5.2, §5.3),
 * pure apart from `ctx.llm`:
 *   filter → atomic facts → (the recipe's extra facts) → V variations, concurrently → code variations.
 * Input: a chunk `{ text, metadata }` and the pipeline's `ChunkRecipe` (its prompts and models). Output:
 * `ChunkVariations` (atomic facts, extra facts, LLM variations with their format, code variations with what they
 * were applied to); `pretrainingLines` turns it into lines.
 */
import { sha256Hex } from '../../lib/hash.ts';
import { type ItemOutcome, type LlmResult, type ModelRole, outcome, type Sampling, type StepContext } from '../step.ts';
import { parseAtomicFacts, parseRewrite, parseSuitability } from './chunk-parsers.ts';
import { applyCodeVariation } from './code-variations.ts';
import type { ChunkVariations } from './pretraining-lines.ts';
import { pickVariationFormats, type VariationFormat } from './variation-formats.ts';

/**
 * What a pipeline brings to the shared chunk steps: the prompt group of its atomic-facts and variation prompts
 * (`<group>/atomic-facts`, `<group>/variations/<format>`), its models, and an optional step that derives more facts
 * after the atomic ones (the inferred facts), whose result the variation prompts receive.
 */
export interface ChunkRecipe {
  /** Tells the recipes apart in seeds, so the same chunk draws its formats independently in each pipeline. */
  name: string;
  promptGroup: string;
  models: { filter: ModelRole; atomicFacts: ModelRole };
  /** Whether the atomic-facts and variation prompts take `additional_dataset_context`. */
  takesDatasetContext: boolean;
  extraFacts?: {
    /** The name of the variable the variation prompts receive the extra facts in. */
    variable: string;
    derive(ctx: StepContext, input: { text: string; atomicFacts: string }): Promise<LlmResult<string>>;
  };
}

/**
 * Instruction-template markers a base or misconfigured model may run on into. Most likely first: the gateway cuts
 * the list to the provider's limit (OpenAI accepts 4) and drops it when use_stop is off.
 */
const FILTER_STOP = [
  '### Response',
  '\n\n\n\n\n',
  '</s>',
  '[INST]',
  '### Instruction',
  '<|eot_id|>',
  '<|start_header_id|>',
  '<|im_start|>',
  '[/INST]',
  '# Input:',
];

/** The original's sampling per shared step (§5.2, §5.3 tables). */
export const chunkSampling = {
  filter: { maxTokens: 2000, temperature: 0.8, topP: 0.9, stop: FILTER_STOP },
  atomicFacts: { maxTokens: 8000, temperature: 0.5, topP: 0.8 },
  variation: { maxTokens: 4000, temperature: 0.5, topP: 0.8 },
} satisfies Record<string, Sampling>;

export function filterChunk(ctx: StepContext, text: string, recipe: ChunkRecipe): Promise<LlmResult<boolean>> {
  return ctx.llm.call({
    // Both pipelines judge with the representation-variation filter prompt, as the original does.
    prompt: 'representation-variation/filter',
    model: recipe.models.filter,
    vars: { text },
    sampling: chunkSampling.filter,
    parse: parseSuitability,
  });
}

export function extractAtomicFacts(
  ctx: StepContext,
  text: string,
  recipe: ChunkRecipe,
  additionalDatasetContext = '',
): Promise<LlmResult<string>> {
  return ctx.llm.call({
    prompt: `${recipe.promptGroup}/atomic-facts`,
    model: recipe.models.atomicFacts,
    vars: recipe.takesDatasetContext ? { text, additional_dataset_context: additionalDatasetContext } : { text },
    sampling: chunkSampling.atomicFacts,
    parse: parseAtomicFacts,
  });
}

export interface VariationInput {
  text: string;
  atomicFacts: string;
  /** The recipe's extra facts, when it has that step. */
  extraFacts?: string;
  format: VariationFormat;
  /** The variation's position among the chunk's V: separates samples of the same prompt in the LLM cache. */
  index: number;
  additionalDatasetContext?: string;
}

export function writeVariation(
  ctx: StepContext,
  recipe: ChunkRecipe,
  input: VariationInput,
): Promise<LlmResult<string>> {
  const vars: Record<string, unknown> = { text: input.text, atomic_facts: input.atomicFacts };
  if (recipe.extraFacts) vars[recipe.extraFacts.variable] = input.extraFacts ?? '';
  if (recipe.takesDatasetContext) vars.additional_dataset_context = input.additionalDatasetContext ?? '';
  return ctx.llm.call({
    prompt: `${recipe.promptGroup}/variations/${input.format}`,
    model: 'large',
    vars,
    sampling: chunkSampling.variation,
    sampleIndex: input.index,
    parse: parseRewrite,
  });
}

export interface ProcessChunkOptions {
  /** V: the source's variation_generation_counts. */
  variationCount: number;
  /** code_variation_functions; validated against `codeVariationNames` by the config schema. */
  codeVariations: readonly string[];
  /** Extra context for the representation-variation prompts (the original's additional_dataset_context). */
  additionalDatasetContext?: string;
}

export async function processChunk(
  ctx: StepContext,
  chunk: { text: string; metadata: string },
  recipe: ChunkRecipe,
  opts: ProcessChunkOptions,
): Promise<ItemOutcome<ChunkVariations>> {
  const { text } = chunk;
  const { additionalDatasetContext } = opts;
  const contentHash = sha256Hex(text);

  const suitable = await filterChunk(ctx, text, recipe);
  if (!suitable.ok) return outcome.dropped(suitable.reason);
  // A category, not the model's explanation, so drops aggregate by reason in the run status.
  if (!suitable.value) return outcome.dropped('judged unsuitable by the filter');

  const atomic = await extractAtomicFacts(ctx, text, recipe, additionalDatasetContext);
  if (!atomic.ok) return outcome.dropped(atomic.reason);
  const atomicFacts = atomic.value;

  let extraFacts: string | undefined;
  if (recipe.extraFacts) {
    const derived = await recipe.extraFacts.derive(ctx, { text, atomicFacts });
    if (!derived.ok) return outcome.dropped(derived.reason);
    extraFacts = derived.value;
  }

  // Seeded by content, not position: the same chunk draws the same formats in a resumed run or a re-planned stage.
  const formats = pickVariationFormats(ctx.random('variation', recipe.name, contentHash), opts.variationCount);
  // Concurrently: the original ran them one after another inside one 60 s timeout (⚠ §1.4).
  const results = await Promise.all(
    formats.map((format, index) =>
      writeVariation(ctx, recipe, { text, atomicFacts, extraFacts, format, index, additionalDatasetContext }),
    ),
  );
  // A variation that fails every attempt costs only itself (the original dropped the whole chunk with it).
  const variations: ChunkVariations['variations'] = [];
  const failedVariations: ChunkVariations['failedVariations'] = [];
  for (const [index, result] of results.entries()) {
    const format = formats[index] as VariationFormat;
    if (result.ok) variations.push({ format, text: result.value });
    else failedVariations.push({ format, reason: result.reason });
  }
  if (failedVariations.length > 0) {
    ctx.log.warn(
      { failed: failedVariations.length, reasons: failedVariations.map((f) => f.reason) },
      'variations failed',
    );
  }

  const codeVariations: ChunkVariations['codeVariations'] = [];
  for (const fn of opts.codeVariations) {
    const targets: Array<{ of: 'chunk' | number; text: string }> = [
      { of: 'chunk', text },
      ...variations.map((variation, index) => ({ of: index, text: variation.text })),
    ];
    for (const target of targets) {
      // One generator per (function, target): adding a function or a variation leaves the others' noise unchanged.
      const random = ctx.random('code-variation', recipe.name, fn, String(target.of), contentHash);
      codeVariations.push({ fn, of: target.of, text: applyCodeVariation(fn, target.text, random) });
    }
  }

  return outcome.done({
    atomicFacts,
    ...(extraFacts === undefined ? {} : { inferredFacts: extraFacts }),
    variations,
    failedVariations,
    codeVariations,
  });
}
