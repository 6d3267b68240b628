/**
 * The thought-process rewrite of domain conversations (blueprint §5.8), as pure functions: split a conversation into
 * (human, gpt) pairs with the history before each, cut an answer's own thought process off (keeping what follows
 * the final-answer marker), render and truncate the history, parse the model's thought process, and reassemble.
 */
import { stripReasoning } from '../../lib/reasoning.ts';
import type { ShareGptConversation, ShareGptTurn } from '../shared/sharegpt.ts';
import { type Parser, parsed } from '../step.ts';

/** History beyond this many tokens is cut from its start (the original's limit). */
export const HISTORY_MAX_TOKENS = 30_000;
/** A thought process longer than this is taken for a model stuck in a loop, and retried (the original's guard). */
export const THOUGHT_MAX_TOKENS = 4_500;
export const TRUNCATED_MARKER = '...truncated...';

export interface ConversationPair {
  /** The conversation's system prompt, or "not present". */
  system: string;
  /** Earlier turns of the conversation, in order (answers already without their thought process). */
  history: ShareGptTurn[];
  input: string;
  /** The visible answer: what follows the final-answer marker of the original answer. */
  output: string;
  /** The answer as it was, kept when no new thought process can be made. */
  original: string;
}

/** What follows the first `marker` (the config's `final_answer_str`), trimmed; the whole answer without one. */
export function visibleAnswer(answer: string, marker: string): string {
  const at = answer.indexOf(marker);
  return (at < 0 ? answer : answer.slice(at + marker.length)).trim();
}

export function pairsOf(conversation: ShareGptConversation, marker: string): ConversationPair[] {
  const turns = conversation.conversations;
  const system = turns[0]?.from === 'system' ? turns[0].value : 'not present';
  const pairs: ConversationPair[] = [];
  const history: ShareGptTurn[] = [];
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i] as ShareGptTurn;
    const next = turns[i + 1];
    if (turn.from !== 'human' || next?.from !== 'gpt') continue;
    const output = visibleAnswer(next.value, marker);
    pairs.push({ system, history: [...history], input: turn.value, output, original: next.value });
    history.push(turn, { from: 'gpt', value: output });
    i++;
  }
  return pairs;
}

/**
 * The history as `USER:` / `ASSISTANT:` blocks, cut from the start to fit `maxTokens` (whole turns are dropped, the
 * cut marked), or "none".
 */
export function renderHistory(
  history: readonly ShareGptTurn[],
  count: (text: string) => number,
  maxTokens = HISTORY_MAX_TOKENS,
): string {
  const blocks = history.map((turn) => `${turn.from === 'human' ? 'USER' : 'ASSISTANT'}:\n${turn.value}`);
  let total = 0;
  let start = blocks.length;
  while (start > 0) {
    const size = count(blocks[start - 1] as string);
    if (total + size > maxTokens) break;
    total += size;
    start--;
  }
  const kept = blocks.slice(start);
  if (kept.length === 0) return blocks.length === 0 ? 'none' : TRUNCATED_MARKER;
  return `${start > 0 ? `${TRUNCATED_MARKER}\n\n` : ''}${kept.join('\n\n')}`;
}

/** The `<thought_process>` content (the whole answer without it), with the length guard. */
export function thoughtParser(count: (text: string) => number): Parser<string> {
  return (raw) => {
    const stripped = stripReasoning(raw);
    if (!stripped.ok) return parsed.retry(stripped.reason);
    const match = /<thought_process>([\s\S]*?)(?:<\/thought_process>|$)/i.exec(stripped.text);
    const thought = (match ? match[1] : stripped.text)?.trim() ?? '';
    if (thought === '') return parsed.retry('The thought process was empty: write it inside <thought_process> tags.');
    if (count(thought) > THOUGHT_MAX_TOKENS) {
      return parsed.retry('The thought process ran far too long (a loop?): keep it to a few paragraphs.');
    }
    return parsed.ok(thought);
  };
}

/** How a rebuilt answer is framed: the config's `transform_generic_cot_preface` and `_cot_suffix`. */
export interface ThoughtFrame {
  /** Where an answer's visible part starts (`final_answer_str`). */
  marker: string;
  preface: string;
  suffix: string;
}

/** `preface\nthought\nsuffix\nanswer`: with the defaults, "Thought Process:\n…\n\nAnswer:\n…" (§5.8). */
export function withThought(thought: string, answer: string, frame: ThoughtFrame): string {
  return `${frame.preface}\n${thought}\n${frame.suffix}\n${answer}`;
}

/**
 * The conversation with each pair's answer rebuilt from its new thought process; a pair without one (its call
 * failed) keeps its original answer. The system message stays first.
 */
export function reassemble(
  conversation: ShareGptConversation,
  thoughts: ReadonlyMap<number, string>,
  frame: ThoughtFrame,
): ShareGptConversation {
  const pairs = pairsOf(conversation, frame.marker);
  const out: ShareGptTurn[] = [];
  const system = conversation.conversations[0];
  if (system?.from === 'system') out.push(system);
  for (const [index, pair] of pairs.entries()) {
    const thought = thoughts.get(index);
    out.push(
      { from: 'human', value: pair.input },
      { from: 'gpt', value: thought === undefined ? pair.original : withThought(thought, pair.output, frame) },
    );
  }
  return { conversations: out };
}
