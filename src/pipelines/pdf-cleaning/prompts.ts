/** The prompt file of the PDF-cleaning stage and the variables it references (checked by the loader at start-up). */
import type { PromptSpec } from '../../llm/prompts.ts';

export const prompts: readonly PromptSpec[] = [{ id: 'pdf-cleaning/clean-pdf', variables: ['text', 'error_message'] }];
