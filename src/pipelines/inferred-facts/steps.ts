/**
 * The inferred-facts pipeline's own step (blueprint §5.3): from a chunk and its atomic facts, the facts that follow
 * from them. Input `{ text, atomicFacts }`; output the numbered list inside `<inferred_facts>`.
 */
import { parseInferredFacts } from '../shared/chunk-parsers.ts';
import type { LlmResult, StepContext } from '../step.ts';

export const inferredFactsSampling = { maxTokens: 5000, temperature: 0.5, topP: 0.8 };

export function extractInferredFacts(
  ctx: StepContext,
  input: { text: string; atomicFacts: string },
): Promise<LlmResult<string>> {
  return ctx.llm.call({
    prompt: 'inferred-facts/inferred-facts',
    model: 'small',
    vars: { text: input.text, atomic_facts: input.atomicFacts },
    sampling: inferredFactsSampling,
    parse: parseInferredFacts,
  });
}
