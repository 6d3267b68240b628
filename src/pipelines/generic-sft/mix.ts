/**
 * Generic SFT mixing (blueprint §6.5), pure and seeded:
 * - each dataset's token target is its percentage of the larger of the domain SFT tokens and `minimum_generic_sft`;
 * - rows are drawn uniformly without replacement until their tokens reach the target (seeded: the original's draw
 *   was unseeded, so a re-run mixed different rows);
 * - `context_to_add` goes before the system prompt (or becomes it) or before the first human turn, with its
 *   `{context}` placeholders filled (the original left them as written).
 */
import type { Random } from '../../lib/seeded-random.ts';
import { fillContext } from '../factual-sft/saving.ts';
import type { ShareGptConversation } from '../shared/sharegpt.ts';

export type ContextPlacement = 'system' | 'human' | 'none';

export function genericTarget(domainTokens: number, minimumTokens: number, percent: number): number {
  return Math.floor((Math.max(domainTokens, minimumTokens) * percent) / 100);
}

/** Row indices drawn until their tokens reach the target (all rows when they cannot), in row order. */
export function drawRows(rowTokens: readonly number[], target: number, random: Random): number[] {
  if (target <= 0) return [];
  const order = random.shuffle(rowTokens.map((_, i) => i));
  const chosen: number[] = [];
  let tokens = 0;
  for (const index of order) {
    if (tokens >= target) break;
    chosen.push(index);
    tokens += rowTokens[index] as number;
  }
  return chosen.sort((a, b) => a - b);
}

export function addContext(
  conversation: ShareGptConversation,
  context: string,
  placement: ContextPlacement,
  datasetContext: string,
): ShareGptConversation {
  const filled = fillContext(context, datasetContext).trim();
  if (filled === '' || placement === 'none') return conversation;
  const turns = conversation.conversations;
  if (placement === 'system') {
    const [first, ...rest] = turns;
    if (first?.from === 'system')
      return { conversations: [{ from: 'system', value: `${filled} ${first.value}` }, ...rest] };
    return { conversations: [{ from: 'system', value: filled }, ...turns] };
  }
  const firstHuman = turns.findIndex((t) => t.from === 'human');
  if (firstHuman < 0) return conversation;
  return {
    conversations: turns.map((t, i) => (i === firstHuman ? { from: 'human', value: `${filled} ${t.value}` } : t)),
  };
}

/** The original's file name for a dataset: its id with `/` as `-`. */
export function datasetFileName(repo: string, target: number): string {
  return `${repo.replaceAll('/', '-')}_${target}.jsonl`;
}
