/** The prompt file of the correction pipeline and the variables it references (checked at start-up). */
import type { PromptSpec } from '../../llm/prompts.ts';

export const prompts: readonly PromptSpec[] = [
  { id: 'correction/masked-conversation', variables: ['metadata', 'text', 'error_message'] },
];
