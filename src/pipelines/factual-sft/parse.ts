/**
 * Parsers of the factual SFT answers (blueprint §5.5 step 4, §5.7, §15). Pure functions of the raw answer; `retry`
 * reasons are phrased for the model because they come back to it as `error_message`.
 *
 * The QA contract: any preamble (planning, brainstorming), then blocks of `**QUESTION:**` … `**ANSWER:**` …, the
 * answer being a thought process that ends in an `Answer:` section. Models vary the markers (`**QUESTION 2:**`,
 * `**Question:**`, `QUESTION:` without bold, `### Question`), so the markers are matched loosely.
 */
import { stripReasoning } from '../shared/answer-text.ts';
import { type ParseResult, type Parser, parsed } from '../step.ts';

export interface QaPair {
  question: string;
  answer: string;
}

/** A question or answer marker on its own: bold or not, numbered or not, as a heading or not. */
const MARKER =
  /^[ \t]*(?:#{1,6}[ \t]*)?(?:\*\*|__)?[ \t]*(QUESTION|ANSWER)(?:[ \t]*#?\d+)?[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*:?/gim;

/** Phrases a question must not use: the trained model's user never sees the documents. */
const TEXT_REFERENCE = /\b(?:the|this|these|provided|given)\s+(?:text|passage|excerpt|document|source)s?\b/i;

/**
 * The answer's visible part starts at a line `Answer:` (bold or not); without one the pair is not in the contract
 * (the thought process would be shown as the answer).
 */
const FINAL_ANSWER = /^[ \t]*(?:\*\*)?[ \t]*Answer[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?/im;

export const parseQaPairs: Parser<QaPair[]> = (raw) => {
  const stripped = stripReasoning(raw);
  if (!stripped.ok) return parsed.retry(stripped.reason);
  const text = stripped.text;
  const markers = [...text.matchAll(MARKER)].map((m) => ({
    kind: (m[1] as string).toUpperCase() as 'QUESTION' | 'ANSWER',
    start: m.index,
    end: m.index + m[0].length,
  }));
  const pairs: QaPair[] = [];
  const problems: string[] = [];
  // A block is a QUESTION marker, the first ANSWER marker after it, and everything up to the next QUESTION marker:
  // later "Answer:" lines (the visible answer's heading, bold or not) belong to the block's answer.
  const questions = markers.filter((m) => m.kind === 'QUESTION');
  for (const [n, marker] of questions.entries()) {
    const end = questions[n + 1]?.start ?? text.length;
    const answerMarker = markers.find((m) => m.kind === 'ANSWER' && m.start > marker.start && m.start < end);
    if (!answerMarker) {
      problems.push('a **QUESTION:** had no **ANSWER:** (cut off?)');
      continue;
    }
    const question = text.slice(marker.end, answerMarker.start).trim();
    const answer = text.slice(answerMarker.end, end).trim();
    if (question === '' || answer === '') {
      problems.push('a question or answer was empty');
      continue;
    }
    if (!FINAL_ANSWER.test(answer)) {
      problems.push('an answer had no "Answer:" section after its thought process');
      continue;
    }
    if (TEXT_REFERENCE.test(question)) {
      problems.push('a question referred to "the text"; the user cannot see any text');
      continue;
    }
    pairs.push({ question, answer });
  }
  if (pairs.length > 0) return parsed.ok(pairs);
  if (markers.length === 0) {
    return parsed.retry(
      'The answer had no **QUESTION:** / **ANSWER:** blocks: write each pair as **QUESTION:** then the question, ' +
        '**ANSWER:** then "Thought Process:", the recall, and "Answer:" with the answer.',
    );
  }
  const why = problems.length > 0 ? problems.join('; ') : 'there was no **QUESTION:** marker';
  return parsed.retry(`No usable question/answer pair: ${why}. Follow the format of the examples exactly.`);
};

/** The text after the last `label:` (case-insensitive), or undefined. */
function afterLabel(text: string, label: string): string | undefined {
  const at = text.toLowerCase().lastIndexOf(`${label.toLowerCase()}:`);
  return at < 0 ? undefined : text.slice(at + label.length + 1);
}

/** Words that make a validator's judgement negative; they win over the positive word (§15). */
const NEGATIVE =
  /\b(?:irrelevant|inaccurate|mostly|partial(?:ly)?|not\s+(?:relevant|accurate)|introduces information not present)\b/i;

/**
 * A validator's verdict read after its label (`Final Judgment:`, `Explanation of Judgment:`, `Overall Accuracy
 * Determination:`): a negative cue → false, else the positive word → true, else a retry naming the expected ending.
 */
export function verdictAfter(label: string, positive: string, negative: string): Parser<boolean> {
  return (raw) => {
    const stripped = stripReasoning(raw);
    if (!stripped.ok) return parsed.retry(stripped.reason);
    const tail = afterLabel(stripped.text, label);
    if (tail === undefined) {
      return parsed.retry(`The answer did not end with "${label}: ${positive}" or "${label}: ${negative}".`);
    }
    if (NEGATIVE.test(tail)) return parsed.ok(false);
    if (new RegExp(`\\b${positive}\\b`, 'i').test(tail)) return parsed.ok(true);
    return parsed.retry(`After "${label}:" write ${positive} or ${negative}.`);
  };
}

export const parseQuestionCheck = verdictAfter('Final Judgment', 'Relevant', 'Irrelevant');
export const parseAnswerRelevancy = verdictAfter('Explanation of Judgment', 'Relevant', 'Irrelevant');
export const parseAnswerAccuracy = verdictAfter('Overall Accuracy Determination', 'Accurate', 'Inaccurate');

export type RepairVerdict = { verdict: 'pass' } | { verdict: 'fail' } | { verdict: 'reword'; pair: QaPair };

/** Reworded answers that leak the rewording itself (§5.7 step 6). */
const REWORD_BLACKLIST = [
  'the provided',
  'the reworded',
  'mention',
  'no information',
  'follow the instructions in a separate',
];

export const parseRepair: Parser<RepairVerdict> = (raw): ParseResult<RepairVerdict> => {
  const stripped = stripReasoning(raw);
  if (!stripped.ok) return parsed.retry(stripped.reason);
  const tail = afterLabel(stripped.text, 'Final judgment');
  const verdict = tail ? /\b(PASS|REWORD|FAIL)\b/i.exec(tail)?.[1]?.toUpperCase() : undefined;
  if (!verdict)
    return parsed.retry(
      'End the answer with "Final judgment: PASS", "Final judgment: REWORD" or "Final judgment: FAIL".',
    );
  if (verdict === 'PASS') return parsed.ok({ verdict: 'pass' });
  if (verdict === 'FAIL') return parsed.ok({ verdict: 'fail' });
  const section = afterLabel(stripped.text, 'Reworded Question and Answer') ?? tail ?? '';
  const match = /Question:\s*([\s\S]*?)\n\s*Answer:\s*([\s\S]*)$/i.exec(section.trim());
  const question = match?.[1]?.trim() ?? '';
  const answer = match?.[2]?.trim() ?? '';
  if (question === '' || answer === '') {
    return parsed.retry(
      'A REWORD verdict needs a "Reworded Question and Answer:" section with "Question:" and "Answer:".',
    );
  }
  const lower = answer.toLowerCase();
  const leaked = REWORD_BLACKLIST.find((phrase) => lower.includes(phrase));
  if (leaked) return parsed.drop(`the reworded answer says "${leaked}"`);
  return parsed.ok({ verdict: 'reword', pair: { question, answer } });
};
