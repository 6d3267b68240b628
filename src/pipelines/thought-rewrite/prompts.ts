/** The prompt of the thought-process rewrite and the variables it references (checked at start-up). */
import type { PromptSpec } from '../../llm/prompts.ts';

export const prompts: readonly PromptSpec[] = [
  {
    id: 'thought-rewrite/thought-process',
    variables: ['system_prompt', 'history', 'input', 'output', 'error_message'],
  },
];
