/**
 * The steps of one chunk in a factual SFT stage (blueprint §5.5, §5.7), pure apart from `ctx.llm`:
 *   judge (small) → QA generation (large) → [single-source only: question check, answer relevancy, answer accuracy
 *   (majority votes), context repair].
 * Input: the chunk, the related chunks shown to the generator, the way and the iteration. Output: the judged chunk's
 * QA pairs (an unsuitable chunk or a generation that never parsed is a drop with its reason).
 *
 * The judgement's call is the same for every way and iteration of a chunk (same prompt, model, sampling and
 * variables), so the gateway's response cache and in-flight sharing make it one paid call per chunk, where the
 * original paid it once per way and iteration.
 */

import { parseSuitability } from '../shared/chunk-parsers.ts';
import { type ItemOutcome, type LlmResult, outcome, type Sampling, type StepContext } from '../step.ts';
import { dropDuplicateQuestions } from './duplicates.ts';
import {
  parseAnswerAccuracy,
  parseAnswerRelevancy,
  parseQaPairs,
  parseQuestionCheck,
  parseRepair,
  type QaPair,
} from './parse.ts';

/** The related-chunk text shown to the generator is cut here (the original's limit). */
export const RELATED_CHUNK_MAX_CHARS = 6000;

/**
 * Sampling per step. The original gave the judge 1450 tokens, which its default reasoning model used up before the
 * verdict (⚠ §5.5 step 3); the judge here gets room for a reasoning model's thoughts.
 */
export const factualSampling = {
  judge: { maxTokens: 4000, temperature: 0.2 },
  generate: { maxTokens: 3000, temperature: 0.8, topP: 1 },
  validate: { maxTokens: 1500, temperature: 0.2 },
  repair: { maxTokens: 4000, temperature: 0.2 },
} satisfies Record<string, Sampling>;

export interface SourceText {
  metadata: string;
  text: string;
}

export interface FactualChunk extends SourceText {
  /** Chunks of the same source most related to this one, as shown to the generator (none for single-source ways). */
  related: SourceText[];
}

/** The `rag_context` block of the generation prompt: each related text with its source, in triple quotes. */
export function ragContext(related: readonly SourceText[]): string {
  return related
    .map(
      (r, i) =>
        `Related Text ${i + 1}, from source ${r.metadata}:\n"""\n${r.text.slice(0, RELATED_CHUNK_MAX_CHARS)}\n"""\n-----------`,
    )
    .join('\n');
}

export function judgeChunk(ctx: StepContext, chunk: SourceText): Promise<LlmResult<boolean>> {
  return ctx.llm.call({
    prompt: 'factual-sft/judge',
    model: 'small',
    vars: { metadata: chunk.metadata, text: chunk.text },
    sampling: factualSampling.judge,
    parse: parseSuitability,
  });
}

export interface GenerationOptions {
  /** The way's prompt set (the bundled style folder its `prompts` names). */
  style: string;
  /** The iteration: separates the samples of the same chunk and way in the cache, so iterations differ. */
  iteration: number;
}

export function generateQaPairs(
  ctx: StepContext,
  chunk: FactualChunk,
  options: GenerationOptions,
): Promise<LlmResult<QaPair[]>> {
  return ctx.llm.call({
    prompt: 'factual-sft/qa-generation',
    style: options.style,
    model: 'large',
    vars: { metadata: chunk.metadata, text: chunk.text, rag_context: ragContext(chunk.related) },
    sampling: factualSampling.generate,
    sampleIndex: options.iteration,
    parse: parseQaPairs,
  });
}

export interface ValidationOptions {
  skipQuestionCheck: boolean;
  skipAnswerRelevancyCheck: boolean;
  skipAnswerAccuracyCheck: boolean;
  skipRepair: boolean;
  /** Votes per check (double_check_counter); a pair passes with at least half of them. */
  votes: number;
  style: string;
}

/**
 * A check as a majority vote: `votes` samples, passing with at least half positive. A vote that never parsed counts
 * as negative (a check that cannot be read does not pass a pair).
 */
async function majority(
  ctx: StepContext,
  prompt: string,
  parse: typeof parseQuestionCheck,
  vars: Record<string, unknown>,
  options: ValidationOptions,
): Promise<boolean> {
  const votes = await Promise.all(
    Array.from({ length: Math.max(1, options.votes) }, (_, i) =>
      ctx.llm.call({
        prompt,
        style: options.style,
        model: 'large',
        vars,
        sampling: factualSampling.validate,
        sampleIndex: i,
        parse,
      }),
    ),
  );
  const positive = votes.filter((v) => v.ok && v.value).length;
  return positive * 2 >= votes.length;
}

/**
 * Single-source validation of one pair (§5.7 steps 3–6): the kept pair (possibly reworded) or the reason it fails.
 */
export async function validatePair(
  ctx: StepContext,
  chunk: SourceText,
  pair: QaPair,
  options: ValidationOptions,
): Promise<{ ok: true; pair: QaPair } | { ok: false; reason: string }> {
  const vars = { metadata: chunk.metadata, text: chunk.text, question: pair.question, answer: pair.answer };
  if (
    !options.skipQuestionCheck &&
    !(await majority(ctx, 'factual-sft/check-question', parseQuestionCheck, vars, options))
  ) {
    return { ok: false, reason: 'question not answerable from the chunk' };
  }
  if (
    !options.skipAnswerRelevancyCheck &&
    !(await majority(ctx, 'factual-sft/check-answer-relevancy', parseAnswerRelevancy, vars, options))
  ) {
    return { ok: false, reason: 'answer strays from the chunk' };
  }
  if (
    !options.skipAnswerAccuracyCheck &&
    !(await majority(ctx, 'factual-sft/check-answer-accuracy', parseAnswerAccuracy, vars, options))
  ) {
    return { ok: false, reason: 'answer inaccurate' };
  }
  if (options.skipRepair) return { ok: true, pair };
  const repaired = await ctx.llm.call({
    prompt: 'factual-sft/repair-context',
    style: options.style,
    model: 'large',
    vars,
    sampling: factualSampling.repair,
    parse: parseRepair,
  });
  if (!repaired.ok) return { ok: false, reason: `context repair: ${repaired.reason}` };
  if (repaired.value.verdict === 'fail') return { ok: false, reason: 'does not stand without its chunk' };
  return { ok: true, pair: repaired.value.verdict === 'reword' ? repaired.value.pair : pair };
}

export interface ProcessFactualOptions extends GenerationOptions {
  /** Single-source ways (multi_source: false) validate each pair; multi-source ways have no validation (§5.5 5). */
  validation?: ValidationOptions;
}

export interface FactualChunkOutput {
  pairs: QaPair[];
  /** Pairs the single-source checks removed, with why. */
  rejected: Array<{ question: string; reason: string }>;
}

export async function processFactualChunk(
  ctx: StepContext,
  chunk: FactualChunk,
  options: ProcessFactualOptions,
): Promise<ItemOutcome<FactualChunkOutput>> {
  const suitable = await judgeChunk(ctx, chunk);
  if (!suitable.ok) return outcome.dropped(suitable.reason);
  // A category, not the model's explanation, so drops aggregate by reason in the run status.
  if (!suitable.value) return outcome.dropped('judged unsuitable for questions');

  const generated = await generateQaPairs(ctx, chunk, options);
  if (!generated.ok) return outcome.dropped(generated.reason);
  const { kept, duplicates } = dropDuplicateQuestions(generated.value);
  const rejected: FactualChunkOutput['rejected'] = duplicates.map((d) => ({
    question: d.question,
    reason: 'duplicate question',
  }));
  const validation = options.validation;
  if (!validation) return outcome.done({ pairs: kept, rejected });

  const checked = await Promise.all(kept.map((pair) => validatePair(ctx, chunk, pair, validation)));
  const pairs: QaPair[] = [];
  for (const [i, result] of checked.entries()) {
    if (result.ok) pairs.push(result.pair);
    else rejected.push({ question: kept[i]?.question ?? '', reason: result.reason });
  }
  if (pairs.length === 0) return outcome.dropped(`every pair failed validation: ${rejected[0]?.reason ?? 'unknown'}`);
  return outcome.done({ pairs, rejected });
}
