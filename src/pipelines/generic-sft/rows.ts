/**
 * One row of a generic SFT dataset as a ShareGPT conversation (blueprint §4: the original expects that shape from the
 * Hub). Also accepted, because public chat datasets use them: OpenAI-style `messages: [{role, content}]`, and the
 * common role aliases (`user`, `assistant`, `bot`, `model`, `chatgpt`). A row without a human turn followed by an
 * answer, with an empty turn, or with a role that is none of these (tools, functions) is not usable: undefined. Pure.
 */
import type { ShareGptConversation, ShareGptTurn } from '../shared/sharegpt.ts';

const ROLE: Record<string, ShareGptTurn['from']> = {
  system: 'system',
  human: 'human',
  user: 'human',
  gpt: 'gpt',
  assistant: 'gpt',
  bot: 'gpt',
  model: 'gpt',
  chatgpt: 'gpt',
};

export function toShareGpt(row: unknown): ShareGptConversation | undefined {
  if (row === null || typeof row !== 'object') return undefined;
  const record = row as Record<string, unknown>;
  const turns = Array.isArray(record.conversations)
    ? record.conversations
    : Array.isArray(record.messages)
      ? record.messages
      : undefined;
  if (!turns) return undefined;
  const out: ShareGptTurn[] = [];
  for (const turn of turns) {
    if (turn === null || typeof turn !== 'object') return undefined;
    const t = turn as Record<string, unknown>;
    const role = typeof t.from === 'string' ? t.from : t.role;
    const text = typeof t.from === 'string' ? t.value : t.content;
    const from = typeof role === 'string' ? ROLE[role.toLowerCase()] : undefined;
    if (!from || typeof text !== 'string' || text.trim() === '') return undefined;
    if (from === 'system' && out.length > 0) return undefined;
    out.push({ from, value: text });
  }
  const firstHuman = out.findIndex((t) => t.from === 'human');
  if (firstHuman < 0 || !out.slice(firstHuman).some((t) => t.from === 'gpt')) return undefined;
  return { conversations: out };
}

/** Tokens of every turn, summed (§6.5: a row's size is the size of all its turns). */
export function conversationTokens(conversation: ShareGptConversation, count: (text: string) => number): number {
  let tokens = 0;
  for (const turn of conversation.conversations) tokens += count(turn.value);
  return tokens;
}
