/**
 * The prompt files the representation-variation and inferred-facts stages use, with every variable each file
 * references (the prompt loader checks them at start-up). The inferred-facts run reuses the representation-variation
 * filter prompt, as the original does.
 */
import type { PromptSpec } from '../pretraining/prompt-spec.ts';
import { variationFormats } from '../pretraining/variation-formats.ts';

export const representationVariationPrompts: readonly PromptSpec[] = [
  { id: 'representation-variation/filter', variables: ['text', 'error_message'] },
  { id: 'representation-variation/atomic-facts', variables: ['text', 'additional_dataset_context', 'error_message'] },
  ...variationFormats.map((format) => ({
    id: `representation-variation/variations/${format}`,
    variables: ['text', 'atomic_facts', 'additional_dataset_context', 'error_message'],
  })),
];

export const inferredFactsPrompts: readonly PromptSpec[] = [
  { id: 'inferred-facts/atomic-facts', variables: ['text', 'error_message'] },
  { id: 'inferred-facts/inferred-facts', variables: ['text', 'atomic_facts', 'error_message'] },
  ...variationFormats.map((format) => ({
    id: `inferred-facts/variations/${format}`,
    variables: ['text', 'atomic_facts', 'inferred_facts', 'error_message'],
  })),
];

export const prompts: readonly PromptSpec[] = [...representationVariationPrompts, ...inferredFactsPrompts];
