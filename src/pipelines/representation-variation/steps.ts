/**
 * The steps of one chunk in the representation-variation and inferred-facts stages (blueprint §5.2, §5.3), pure
 * apart from `ctx.llm`:
 *   filter → atomic facts → (inferred facts) → V variations, concurrently → code variations.
 * Input: a chunk `{ text, metadata }`. Output: `ChunkVariations` (atomic facts, inferred facts, LLM variations with
 * their format, code variations with what they were applied to); `pretrainingLines` turns it into lines.
 *
 * The two modes differ in prompts and models: the inferred-facts run filters with the LARGE model (its small model
 * is meant to be a reasoner) and reuses the representation-variation filter prompt, as the original does.
 */
import { sha256Hex } from '../../lib/hash.ts';
import type { ChunkVariations } from '../pretraining/lines.ts';
import { pickVariationFormats, type VariationFormat } from '../pretraining/variation-formats.ts';
import { type ItemOutcome, type LlmResult, type ModelRole, outcome, type Sampling, type StepContext } from '../step.ts';
import { applyCodeVariation } from './code-variations.ts';
import { parseAtomicFacts, parseInferredFacts, parseRewrite, parseSuitability } from './parse.ts';

export type RepvarMode = 'repvar' | 'inferred';

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

/** The original's sampling per step (§5.2, §5.3 tables). */
export const repvarSampling = {
  filter: { maxTokens: 2000, temperature: 0.8, topP: 0.9, stop: FILTER_STOP },
  atomicFacts: { maxTokens: 8000, temperature: 0.5, topP: 0.8 },
  inferredFacts: { maxTokens: 5000, temperature: 0.5, topP: 0.8 },
  variation: { maxTokens: 4000, temperature: 0.5, topP: 0.8 },
} satisfies Record<string, Sampling>;

const models: Record<RepvarMode, { filter: ModelRole; atomicFacts: ModelRole; variation: ModelRole }> = {
  repvar: { filter: 'small', atomicFacts: 'small', variation: 'large' },
  inferred: { filter: 'large', atomicFacts: 'small', variation: 'large' },
};

const group: Record<RepvarMode, string> = { repvar: 'representation-variation', inferred: 'inferred-facts' };

export function filterChunk(ctx: StepContext, text: string, opts: { mode: RepvarMode }): Promise<LlmResult<boolean>> {
  return ctx.llm.call({
    prompt: 'representation-variation/filter',
    model: models[opts.mode].filter,
    vars: { text },
    sampling: repvarSampling.filter,
    parse: parseSuitability,
  });
}

export function extractAtomicFacts(
  ctx: StepContext,
  text: string,
  opts: { mode: RepvarMode; additionalDatasetContext?: string },
): Promise<LlmResult<string>> {
  const vars: Record<string, unknown> =
    opts.mode === 'repvar' ? { text, additional_dataset_context: opts.additionalDatasetContext ?? '' } : { text };
  return ctx.llm.call({
    prompt: `${group[opts.mode]}/atomic-facts`,
    model: models[opts.mode].atomicFacts,
    vars,
    sampling: repvarSampling.atomicFacts,
    parse: parseAtomicFacts,
  });
}

export function extractInferredFacts(
  ctx: StepContext,
  input: { text: string; atomicFacts: string },
): Promise<LlmResult<string>> {
  return ctx.llm.call({
    prompt: 'inferred-facts/inferred-facts',
    model: 'small',
    vars: { text: input.text, atomic_facts: input.atomicFacts },
    sampling: repvarSampling.inferredFacts,
    parse: parseInferredFacts,
  });
}

export interface VariationInput {
  text: string;
  atomicFacts: string;
  /** Present in the inferred-facts mode: selects the inferred-facts prompts. */
  inferredFacts?: string;
  format: VariationFormat;
  /** The variation's position among the chunk's V: separates samples of the same prompt in the LLM cache. */
  index: number;
  additionalDatasetContext?: string;
}

export function writeVariation(ctx: StepContext, input: VariationInput): Promise<LlmResult<string>> {
  const inferred = input.inferredFacts !== undefined;
  const vars: Record<string, unknown> = inferred
    ? { text: input.text, atomic_facts: input.atomicFacts, inferred_facts: input.inferredFacts }
    : {
        text: input.text,
        atomic_facts: input.atomicFacts,
        additional_dataset_context: input.additionalDatasetContext ?? '',
      };
  return ctx.llm.call({
    prompt: `${group[inferred ? 'inferred' : 'repvar']}/variations/${input.format}`,
    model: 'large',
    vars,
    sampling: repvarSampling.variation,
    sampleIndex: input.index,
    parse: parseRewrite,
  });
}

export interface ProcessChunkOptions {
  mode: RepvarMode;
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
  opts: ProcessChunkOptions,
): Promise<ItemOutcome<ChunkVariations>> {
  const { text } = chunk;
  const { mode, additionalDatasetContext } = opts;
  const contentHash = sha256Hex(text);

  const suitable = await filterChunk(ctx, text, { mode });
  if (!suitable.ok) return outcome.dropped(suitable.reason);
  // A category, not the model's explanation, so drops aggregate by reason in the run status.
  if (!suitable.value) return outcome.dropped('judged unsuitable by the filter');

  const atomic = await extractAtomicFacts(ctx, text, { mode, additionalDatasetContext });
  if (!atomic.ok) return outcome.dropped(atomic.reason);
  const atomicFacts = atomic.value;

  let inferredFacts: string | undefined;
  if (mode === 'inferred') {
    const inferred = await extractInferredFacts(ctx, { text, atomicFacts });
    if (!inferred.ok) return outcome.dropped(inferred.reason);
    inferredFacts = inferred.value;
  }

  // Seeded by content, not position: the same chunk draws the same formats in a resumed run or a re-planned stage.
  const formats = pickVariationFormats(ctx.random('variation', mode, contentHash), opts.variationCount);
  // Concurrently: the original ran them one after another inside one 60 s timeout (⚠ §1.4).
  const results = await Promise.all(
    formats.map((format, index) =>
      writeVariation(ctx, { text, atomicFacts, inferredFacts, format, index, additionalDatasetContext }),
    ),
  );
  const variations: ChunkVariations['variations'] = [];
  for (const [index, result] of results.entries()) {
    if (!result.ok) return outcome.dropped(result.reason);
    variations.push({ format: formats[index] as VariationFormat, text: result.value });
  }

  const codeVariations: ChunkVariations['codeVariations'] = [];
  for (const fn of opts.codeVariations) {
    const targets: Array<{ of: 'chunk' | number; text: string }> = [
      { of: 'chunk', text },
      ...variations.map((variation, index) => ({ of: index, text: variation.text })),
    ];
    for (const target of targets) {
      // One generator per (function, target): adding a function or a variation leaves the others' noise unchanged.
      const random = ctx.random('code-variation', mode, fn, String(target.of), contentHash);
      codeVariations.push({ fn, of: target.of, text: applyCodeVariation(fn, target.text, random) });
    }
  }

  return outcome.done({
    atomicFacts,
    ...(inferredFacts === undefined ? {} : { inferredFacts }),
    variations,
    codeVariations,
  });
}
