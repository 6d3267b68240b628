/**
 * The domain SFT conversations of one generation, combined and prepared for training (blueprint §3 D, §6.1–6.3),
 * pure and seeded:
 * - combine: whole conversations (never split) are concatenated until a drawn target of 1..`maxPairs` QA pairs is
 *   reached; the first system prompt seen is kept, always placed first (⚠ §6.1: the original could put it mid-
 *   conversation), with its `{context}` placeholders filled;
 * - the system-prompt / thought-removal pass: with `remove_system_prompt_ratio` the system prompt goes; with
 *   `remove_thought_process_ratio` the answers keep only what follows `final_answer_str` and the system prompt (when
 *   kept) says to answer at once;
 * - the shared instruction goes first, its placeholders filled (⚠ §6.3: the original filled none).
 */
import type { Random } from '../../lib/seeded-random.ts';
import { fillContext } from '../factual-sft/saving.ts';
import { renderConversation } from '../shared/chat-template.ts';
import type { ShareGptConversation, ShareGptTurn } from '../shared/sharegpt.ts';
import { visibleAnswer } from '../thought-rewrite/rewrite.ts';

export function combineConversations(
  conversations: readonly ShareGptConversation[],
  options: { maxPairs: number; datasetContext: string },
  random: Random,
): ShareGptConversation[] {
  const order = random.shuffle(conversations.map((_, i) => i));
  const out: ShareGptConversation[] = [];
  let next = 0;
  while (next < order.length) {
    const target = random.int(1, Math.max(1, options.maxPairs));
    let system: ShareGptTurn | undefined;
    const turns: ShareGptTurn[] = [];
    let pairs = 0;
    while (next < order.length && pairs < target) {
      const conversation = conversations[order[next++] as number] as ShareGptConversation;
      for (const turn of conversation.conversations) {
        if (turn.from === 'system') {
          system ??= { from: 'system', value: fillContext(turn.value, options.datasetContext) };
          continue;
        }
        turns.push(turn);
        if (turn.from === 'gpt') pairs++;
      }
    }
    out.push({ conversations: system ? [system, ...turns] : turns });
  }
  return out;
}

export interface RemovalOptions {
  removeSystemPromptRatio: number;
  removeThoughtProcessRatio: number;
  removeThoughtProcessPrompt: string;
  finalAnswerStr: string;
}

export function removalPass(
  conversations: readonly ShareGptConversation[],
  options: RemovalOptions,
  random: Random,
): ShareGptConversation[] {
  return conversations.map(({ conversations: turns }) => {
    let out = [...turns];
    if (out[0]?.from === 'system' && random.next() < options.removeSystemPromptRatio) out = out.slice(1);
    if (random.next() < options.removeThoughtProcessRatio) {
      out = out.map((turn, i) => {
        if (turn.from === 'gpt') return { from: 'gpt', value: visibleAnswer(turn.value, options.finalAnswerStr) };
        if (i === 0 && turn.from === 'system')
          return { from: 'system', value: `${turn.value} ${options.removeThoughtProcessPrompt}` };
        return turn;
      });
    }
    return { conversations: out };
  });
}

/** The shared instruction first: before the system prompt (joined by a newline), or as the system prompt. */
export function withSharedInstruction(
  conversations: readonly ShareGptConversation[],
  instruction: string,
  datasetContext: string,
): ShareGptConversation[] {
  const filled = fillContext(instruction, datasetContext).trim();
  if (filled === '') return [...conversations];
  return conversations.map(({ conversations: turns }) => {
    const [first, ...rest] = turns;
    if (first?.from === 'system')
      return { conversations: [{ from: 'system', value: `${filled}\n${first.value}` }, ...rest] };
    return { conversations: [{ from: 'system', value: filled }, ...turns] };
  });
}

/** ShareGPT roles as chat-template roles (§6.4: anything but system and human is the assistant). */
function toChatMessages(conversation: ShareGptConversation) {
  return conversation.conversations.map((turn) => ({
    role:
      turn.from === 'system' ? ('system' as const) : turn.from === 'human' ? ('user' as const) : ('assistant' as const),
    content: turn.value,
  }));
}

/** A conversation as one completion line of `sft_run/`, rendered with the chat template (§6.4). */
export function completionLine(
  conversation: ShareGptConversation,
  template: string,
  templateKwargs: Record<string, unknown>,
): { text: string } {
  return { text: renderConversation(template, toChatMessages(conversation), templateKwargs).trim() };
}
