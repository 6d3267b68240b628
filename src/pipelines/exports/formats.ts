/**
 * The domain conversations in the formats other trainers read (pure):
 * - OpenAI chat fine-tuning JSON Lines: `{"messages": [{"role", "content"}]}`, system first when present, user and
 *   assistant alternating from there, ending with an assistant message (the turns trained on);
 * - ShareGPT (`{"conversations": [{"from", "value"}]}`), as Axolotl and LLaMA-Factory read it;
 * - Alpaca (`{"instruction", "input", "output", "system"?}`), only for conversations of one exchange;
 * - LLaMA-Factory's `dataset_info.json`, describing the ShareGPT and Alpaca files.
 * A conversation a format cannot hold faithfully is left out of that file and counted.
 */
import type { ShareGptConversation } from '../shared/sharegpt.ts';

export interface OpenAiChatLine {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export interface AlpacaRecord {
  instruction: string;
  input: string;
  output: string;
  system?: string;
}

const ROLE = { system: 'system', human: 'user', gpt: 'assistant' } as const;

/** Human and gpt turns alternate from a human turn, after at most one leading system turn, and end with gpt. */
export function isAlternating(conversation: ShareGptConversation): boolean {
  const turns = conversation.conversations;
  const start = turns[0]?.from === 'system' ? 1 : 0;
  const exchange = turns.slice(start);
  if (exchange.length === 0 || exchange.length % 2 !== 0) return false;
  return exchange.every((t, i) => t.from === (i % 2 === 0 ? 'human' : 'gpt') && t.value.trim() !== '');
}

export function toOpenAiChat(conversation: ShareGptConversation): OpenAiChatLine | undefined {
  if (!isAlternating(conversation)) return undefined;
  return { messages: conversation.conversations.map((t) => ({ role: ROLE[t.from], content: t.value })) };
}

export function toAlpaca(conversation: ShareGptConversation): AlpacaRecord | undefined {
  if (!isAlternating(conversation)) return undefined;
  const turns = conversation.conversations;
  const system = turns[0]?.from === 'system' ? turns[0].value : undefined;
  const exchange = system === undefined ? turns : turns.slice(1);
  if (exchange.length !== 2) return undefined;
  return {
    instruction: exchange[0]?.value ?? '',
    input: '',
    output: exchange[1]?.value ?? '',
    ...(system === undefined ? {} : { system }),
  };
}

/** LLaMA-Factory's dataset registry for the exported files (file names relative to the exports folder). */
export function llamaFactoryDatasetInfo(files: { shareGpt?: string; alpaca?: string }, name: string) {
  const info: Record<string, unknown> = {};
  if (files.shareGpt) {
    info[`${name}_sharegpt`] = {
      file_name: files.shareGpt,
      formatting: 'sharegpt',
      columns: { messages: 'conversations' },
      tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
    };
  }
  if (files.alpaca) {
    info[`${name}_alpaca`] = {
      file_name: files.alpaca,
      formatting: 'alpaca',
      columns: { prompt: 'instruction', query: 'input', response: 'output', system: 'system' },
    };
  }
  return info;
}
