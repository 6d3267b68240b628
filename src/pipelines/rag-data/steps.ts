/**
 * The steps of one RAG-usage item (blueprint §5.9), pure apart from `ctx.llm`: the suitability filter (the
 * representation-variation filter prompt on the small model), then a conversation (large model) in which the AI
 * answers with the retrieved chunks — using them when the ground truth is among them, recalling it from memory when
 * retrieval failed. An answer that leaks the phrase "Ground Truth" is retried.
 */
import { parseQaPairs, type QaPair } from '../factual-sft/parse.ts';
import { parseSuitability } from '../shared/chunk-parsers.ts';
import { chunkSampling } from '../shared/chunk-variations.ts';
import { type ItemOutcome, outcome, type Parser, parsed, type StepContext } from '../step.ts';
import { stringifyChunks } from './retrieval.ts';

export const ragSampling = { maxTokens: 3000, temperature: 0.5, topP: 0.8 };

export const parseRagConversation: Parser<QaPair[]> = (raw) => {
  const result = parseQaPairs(raw);
  if (result.kind !== 'ok') return result;
  if (result.value.some((pair) => /ground\s+truth/i.test(pair.answer))) {
    return parsed.retry(
      'An answer said "Ground Truth": the AI does not know which text is the truth; never use the phrase.',
    );
  }
  return result;
};

export interface RagChunk {
  metadata: string;
  text: string;
  failed: boolean;
  retrieved: Array<{ metadata: string; text: string }>;
}

export async function processRagChunk(
  ctx: StepContext,
  chunk: RagChunk,
  options: { skipFilter: boolean },
): Promise<ItemOutcome<{ pairs: QaPair[] }>> {
  if (!options.skipFilter) {
    const suitable = await ctx.llm.call({
      prompt: 'representation-variation/filter',
      model: 'small',
      vars: { text: chunk.text },
      sampling: chunkSampling.filter,
      parse: parseSuitability,
    });
    if (!suitable.ok) return outcome.dropped(suitable.reason);
    if (!suitable.value) return outcome.dropped('judged unsuitable by the filter');
  }
  const conversation = await ctx.llm.call({
    prompt: chunk.failed ? 'rag-data/conversation-failed' : 'rag-data/conversation-success',
    model: 'large',
    vars: {
      stringified_retrieved_chunks: stringifyChunks(chunk.retrieved),
      metadata: chunk.metadata,
      text: chunk.text,
    },
    sampling: ragSampling,
    parse: parseRagConversation,
  });
  return conversation.ok ? outcome.done({ pairs: conversation.value }) : outcome.dropped(conversation.reason);
}
