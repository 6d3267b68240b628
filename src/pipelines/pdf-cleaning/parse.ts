/**
 * Parser of the PDF-cleaning answer (blueprint §5.1): the content of `<cleaned_text>`. Reasoning is stripped first;
 * the original retried whenever the word "think" appeared without `</think>` (which a passage about thinking
 * triggers), here only an unclosed `<think>` tag does.
 */
import { taggedPayload } from '../shared/answer-text.ts';
import type { Parser } from '../step.ts';

export const parseCleanedText: Parser<string> = (answer) => taggedPayload(answer, 'cleaned_text');
