/**
 * The self-correction conversation (blueprint §5.10), pure: parsing the model's four tagged parts, and rendering the
 * user / assistant / user / assistant exchange split on the flawed answer into `[before: trained, flawed: masked,
 * after: trained]` segments. The flawed answer must occur exactly once in the rendering, or no honest split exists.
 */
import { findTag, stripReasoning } from '../shared/answer-text.ts';
import { renderConversation, type Segment } from '../shared/chat-template.ts';
import { type Parser, parsed } from '../step.ts';

export interface CorrectionExchange {
  initialQuestion: string;
  flawedAnswer: string;
  followupConfirmation: string;
  correctAnswer: string;
}

const TAGS = {
  initialQuestion: 'initial_question',
  flawedAnswer: 'flawed_answer',
  followupConfirmation: 'followup_confirmation',
  correctAnswer: 'correct_answer',
} as const;

export const parseCorrection: Parser<CorrectionExchange> = (raw) => {
  const stripped = stripReasoning(raw);
  if (!stripped.ok) return parsed.retry(stripped.reason);
  const out: Partial<CorrectionExchange> = {};
  const missing: string[] = [];
  for (const [field, tag] of Object.entries(TAGS) as Array<[keyof CorrectionExchange, string]>) {
    const found = findTag(stripped.text, tag);
    const content = found.kind === 'found' ? found.content.trim() : '';
    if (content === '') missing.push(`<${tag}>`);
    else out[field] = content;
  }
  if (missing.length > 0) {
    return parsed.retry(
      `The answer lacked (or left empty or unclosed) ${missing.join(', ')}: write all four tagged parts.`,
    );
  }
  return parsed.ok(out as CorrectionExchange);
};

export function correctionSegments(
  exchange: CorrectionExchange,
  template: string,
  kwargs: Record<string, unknown>,
): { ok: true; segments: Segment[] } | { ok: false; reason: string } {
  const text = renderConversation(
    template,
    [
      { role: 'user', content: exchange.initialQuestion },
      { role: 'assistant', content: exchange.flawedAnswer },
      { role: 'user', content: exchange.followupConfirmation },
      { role: 'assistant', content: exchange.correctAnswer },
    ],
    kwargs,
  );
  const parts = text.split(exchange.flawedAnswer);
  if (parts.length !== 2) {
    return { ok: false, reason: `the flawed answer occurs ${parts.length - 1} times in the rendered conversation` };
  }
  const [before = '', after = ''] = parts;
  const segments: Segment[] = [
    { label: true, text: before },
    { label: false, text: exchange.flawedAnswer },
    { label: true, text: after },
  ].filter((s) => s.text !== '');
  return { ok: true, segments };
}
