/** The prompt files of the RAG-usage pipeline and the variables each references (checked at start-up). */
import type { PromptSpec } from '../../llm/prompts.ts';

const variables = ['stringified_retrieved_chunks', 'metadata', 'text', 'error_message'];

export const prompts: readonly PromptSpec[] = [
  { id: 'rag-data/conversation-failed', variables },
  { id: 'rag-data/conversation-success', variables },
];
