/**
 * The parser each prompt's answers go through, by prompt id: a prompt file's few-shot answers must pass it (the
 * prompt tests check the bundled files; an uploaded prompt set is checked the same way when it is uploaded, so a set
 * that teaches the model a format its step cannot read is refused before any run pays for it).
 */
import { parseCorrection } from './correction/conversation.ts';
import {
  parseAnswerAccuracy,
  parseAnswerRelevancy,
  parseQaPairs,
  parseQuestionCheck,
  parseRepair,
} from './factual-sft/parse.ts';
import { parseCleanedText } from './pdf-cleaning/parse.ts';
import { parseRagConversation } from './rag-data/steps.ts';
import { parseAtomicFacts, parseInferredFacts, parseRewrite, parseSuitability } from './shared/chunk-parsers.ts';
import type { Parser } from './step.ts';
import { thoughtParser } from './thought-rewrite/rewrite.ts';

export function parserForPrompt(id: string): Parser<unknown> | undefined {
  if (id === 'pdf-cleaning/clean-pdf') return parseCleanedText;
  if (id === 'factual-sft/judge') return parseSuitability;
  if (id === 'factual-sft/qa-generation') return parseQaPairs;
  if (id === 'factual-sft/check-question') return parseQuestionCheck;
  if (id === 'factual-sft/check-answer-relevancy') return parseAnswerRelevancy;
  if (id === 'factual-sft/check-answer-accuracy') return parseAnswerAccuracy;
  if (id === 'factual-sft/repair-context') return parseRepair;
  if (id.startsWith('rag-data/conversation-')) return parseRagConversation;
  if (id === 'correction/masked-conversation') return parseCorrection;
  if (id === 'thought-rewrite/thought-process') return thoughtParser((text) => Math.ceil(text.length / 4));
  if (id.endsWith('/filter')) return parseSuitability;
  if (id.endsWith('/atomic-facts')) return parseAtomicFacts;
  if (id === 'inferred-facts/inferred-facts') return parseInferredFacts;
  if (id.includes('/variations/')) return parseRewrite;
  return undefined;
}
