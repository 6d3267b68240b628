/**
 * The prompt files of the factual SFT pipeline and the variables each references (checked at start-up). The QA
 * generation prompt has one bundled variant per way (`factual-sft/<way>/qa-generation.yaml`); the default file is the
 * open-ended way, which a way without a bundled variant uses.
 */
import type { PromptSpec } from '../../llm/prompts.ts';

export const prompts: readonly PromptSpec[] = [
  { id: 'factual-sft/judge', variables: ['metadata', 'text', 'error_message'] },
  { id: 'factual-sft/qa-generation', variables: ['metadata', 'text', 'rag_context', 'error_message'] },
  { id: 'factual-sft/check-question', variables: ['metadata', 'text', 'question', 'error_message'] },
  { id: 'factual-sft/check-answer-relevancy', variables: ['metadata', 'text', 'question', 'answer', 'error_message'] },
  { id: 'factual-sft/check-answer-accuracy', variables: ['metadata', 'text', 'question', 'answer', 'error_message'] },
  { id: 'factual-sft/repair-context', variables: ['metadata', 'text', 'question', 'answer', 'error_message'] },
];
