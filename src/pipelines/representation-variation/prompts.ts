/**
 * The prompt files of the representation-variation pipeline, with every variable each file references (the prompt
 * loader checks them at start-up). The inferred-facts pipeline filters with this pipeline's filter prompt too.
 */
import type { PromptSpec } from '../../llm/prompts.ts';
import { variationFormats } from '../shared/variation-formats.ts';

export const prompts: readonly PromptSpec[] = [
  { id: 'representation-variation/filter', variables: ['text', 'error_message'] },
  { id: 'representation-variation/atomic-facts', variables: ['text', 'additional_dataset_context', 'error_message'] },
  ...variationFormats.map((format) => ({
    id: `representation-variation/variations/${format}`,
    variables: ['text', 'atomic_facts', 'additional_dataset_context', 'error_message'],
  })),
];
