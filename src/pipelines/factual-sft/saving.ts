/**
 * Saving a factual SFT stage's pairs as the original lays them out (blueprint §5.5 step 6), pure: the generated
 * records in, ShareGPT conversations and the `factual_questions.json` map out.
 * - A chunk with two or more pairs (the follow-up way) is one multi-turn conversation; a bare "Yes, please." question
 *   becomes one of our assent paraphrases, drawn with a seed.
 * - Single pairs are batched `items_per_conversation` to a conversation (the original ignored the setting, ⚠ §3 C).
 * - The system prompt is a seeded draw from `final_assistant_prompts_no_rag`, with `{context}` placeholders filled and
 *   the chunk's OWN source's `final_system_prompt_additional_context` appended (⚠ §3 C: the original used the last
 *   source's for every source).
 * - With `cite_sources_at_end`, each answer ends with "Sources Used:" listing the chunk's source and the sources of
 *   the related texts the generator was shown — none for the follow-up way, which is shown none (⚠ §5.5).
 */
import { sha256Hex } from '../../lib/hash.ts';
import type { Random } from '../../lib/seeded-random.ts';
import type { ShareGptConversation, ShareGptTurn } from '../shared/sharegpt.ts';
import type { QaPair } from './parse.ts';
import type { SourceText } from './steps.ts';

export type { ShareGptConversation, ShareGptTurn };

export interface GeneratedChunk {
  /** Position of the chunk in the stage's plan. */
  chunkIndex: number;
  sourceName: string;
  metadata: string;
  text: string;
  related: SourceText[];
  judgedWorthy: boolean;
  pairs: QaPair[];
}

export interface SavingOptions {
  /** `final_assistant_prompts_no_rag`. */
  systemPrompts: readonly string[];
  datasetContext: string;
  /** Each source's `final_system_prompt_additional_context`. */
  additionalContext: ReadonlyMap<string, string>;
  itemsPerConversation: number;
  citeSources: boolean;
  /** A generator seeded from the run, the stage and the given parts. */
  random(...parts: string[]): Random;
}

/** Short assents that replace a bare "Yes, please." so the trained model does not learn one fixed reply. */
export const ASSENTS = [
  'Yes, please.',
  'Sure, go ahead.',
  'Yes, I would like that.',
  'Please do.',
  'That would help, yes.',
  'Go on.',
  'Yes, tell me more.',
  'I would appreciate that.',
  'Sounds good, please continue.',
  'Yes, explain that too.',
  'Okay, let us hear it.',
  'Definitely, go ahead.',
  'Yes, that would be useful.',
  'Please, continue.',
  'Absolutely.',
  'Yes, walk me through it.',
] as const;

const BARE_ASSENT = /^\s*yes,?\s*please\.?\s*$/i;

/** `{context}`, `{context_uppercase}` and `{context_lowercase}` filled, as the original's prompt lists expect. */
export function fillContext(prompt: string, datasetContext: string): string {
  return prompt
    .replaceAll('{context_uppercase}', datasetContext.toUpperCase())
    .replaceAll('{context_lowercase}', datasetContext.toLowerCase())
    .replaceAll('{context}', datasetContext);
}

function systemPrompt(options: SavingOptions, sourceName: string, random: Random): string {
  const base = fillContext(random.pick(options.systemPrompts), options.datasetContext);
  const extra = options.additionalContext.get(sourceName)?.trim() ?? '';
  return extra === '' ? base : `${base} ${extra}`;
}

/** "\n\nSources Used:\n- a\n- b": the chunk's own source first, then the related ones, without repeats. */
export function sourcesUsed(chunk: Pick<GeneratedChunk, 'metadata' | 'related'>): string {
  const names = [...new Set([chunk.metadata, ...chunk.related.map((r) => r.metadata)])];
  return `\n\nSources Used:\n${names.map((n) => `- ${n}`).join('\n')}`;
}

const answerOf = (chunk: GeneratedChunk, pair: QaPair, options: SavingOptions) =>
  options.citeSources ? `${pair.answer}${sourcesUsed(chunk)}` : pair.answer;

export function conversationsOf(chunks: readonly GeneratedChunk[], options: SavingOptions): ShareGptConversation[] {
  const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const out: ShareGptConversation[] = [];

  for (const chunk of ordered.filter((c) => c.pairs.length >= 2)) {
    const hash = sha256Hex(chunk.text);
    const random = options.random('multi-turn', hash);
    const turns: ShareGptTurn[] = [{ from: 'system', value: systemPrompt(options, chunk.sourceName, random) }];
    for (const pair of chunk.pairs) {
      const question = BARE_ASSENT.test(pair.question) ? random.pick(ASSENTS) : pair.question;
      turns.push({ from: 'human', value: question }, { from: 'gpt', value: answerOf(chunk, pair, options) });
    }
    out.push({ conversations: turns });
  }

  const singles = ordered
    .filter((c) => c.pairs.length === 1)
    .map((chunk) => ({ chunk, hash: sha256Hex(chunk.text) }))
    .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const size = Math.max(1, options.itemsPerConversation);
  for (let i = 0; i < singles.length; i += size) {
    const batch = singles.slice(i, i + size);
    const random = options.random('batch', ...batch.map((b) => b.hash));
    const first = batch[0]?.chunk as GeneratedChunk;
    const turns: ShareGptTurn[] = [{ from: 'system', value: systemPrompt(options, first.sourceName, random) }];
    for (const { chunk } of batch) {
      const pair = chunk.pairs[0] as QaPair;
      turns.push({ from: 'human', value: pair.question }, { from: 'gpt', value: answerOf(chunk, pair, options) });
    }
    out.push({ conversations: turns });
  }
  return out;
}

/** `factual_questions.json`: one record per pair, keyed `"{chunk index}-{pair index}-{chunk hash}"`. */
export function factualQuestions(chunks: readonly GeneratedChunk[]): Record<string, unknown> {
  const records: Record<string, unknown> = {};
  for (const chunk of [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex)) {
    const hash = sha256Hex(chunk.text).slice(0, 16);
    for (const [n, pair] of chunk.pairs.entries()) {
      records[`${chunk.chunkIndex}-${n}-${hash}`] = {
        text: chunk.text,
        metadata: chunk.metadata,
        judged_worthy_for_questions: chunk.judgedWorthy,
        rag_context: chunk.related.length > 0 ? chunk.related : '',
        related_chunks: chunk.related,
        qa_tuples: { question: pair.question, answer: pair.answer },
        question: pair.question,
        answer: pair.answer,
      };
    }
  }
  return records;
}
