/** The prompt files of the inferred-facts pipeline and the variables each references (checked at start-up). */
import type { PromptSpec } from '../../llm/prompts.ts';
import { variationFormats } from '../shared/variation-formats.ts';

export const prompts: readonly PromptSpec[] = [
  { id: 'inferred-facts/atomic-facts', variables: ['text', 'error_message'] },
  { id: 'inferred-facts/inferred-facts', variables: ['text', 'atomic_facts', 'error_message'] },
  ...variationFormats.map((format) => ({
    id: `inferred-facts/variations/${format}`,
    variables: ['text', 'atomic_facts', 'inferred_facts', 'error_message'],
  })),
];
