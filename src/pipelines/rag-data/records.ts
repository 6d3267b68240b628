/**
 * The RAG-usage training records (blueprint §5.9 assembly), pure: items are grouped `num_items_per_group` at a time;
 * for every member X of a group one record, whose system prompt carries X's retrieved chunks (`{data}`), followed by
 * the QA turns of every member in group order, and only X's own turns are trained on.
 * Two ways to render: the chosen chat template (as the factual data), or the original's segment formats when the
 * config sets them (`system_format`, `user_format`, `assistant_format`, `bos`).
 */
import type { Random } from '../../lib/seeded-random.ts';
import type { QaPair } from '../factual-sft/parse.ts';
import { type ChatMessage, renderFormat, renderSegments, type Segment } from '../shared/chat-template.ts';

export interface RagItem {
  /** The retrieved chunks as the system prompt shows them. */
  retrieved: string;
  pairs: QaPair[];
}

export type RagRendering =
  | { kind: 'template'; template: string; kwargs: Record<string, unknown> }
  | { kind: 'formats'; system: string; user: string; assistant: string; bos: string };

export function groupItems<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += Math.max(1, size)) groups.push(items.slice(i, i + Math.max(1, size)));
  return groups;
}

/** One record per member of the group, in group order. */
export function groupRecords(
  group: readonly RagItem[],
  systemPrompts: readonly string[],
  rendering: RagRendering,
  random: Random,
): Array<{ segments: Segment[] }> {
  return group.map((own) => {
    const system = random.pick(systemPrompts).replaceAll('{data}', own.retrieved);
    const messages: Array<ChatMessage & { label: boolean }> = [{ role: 'system', content: system, label: false }];
    for (const member of group) {
      for (const pair of member.pairs) {
        messages.push(
          { role: 'user', content: pair.question, label: member === own },
          { role: 'assistant', content: pair.answer, label: member === own },
        );
      }
    }
    return { segments: render(messages, rendering) };
  });
}

function render(messages: Array<ChatMessage & { label: boolean }>, rendering: RagRendering): Segment[] {
  if (rendering.kind === 'template') return renderSegments(rendering.template, messages, rendering.kwargs);
  // The original's formats: the BOS with the system turn, masked; then one segment per turn, with no separator.
  const segments: Segment[] = [];
  for (const m of messages) {
    const text =
      m.role === 'system'
        ? rendering.bos + renderFormat(rendering.system, { system: m.content })
        : renderFormat(m.role === 'user' ? rendering.user : rendering.assistant, { [m.role]: m.content });
    const last = segments.at(-1);
    if (last && last.label === m.label) last.text += text;
    else segments.push({ label: m.label, text });
  }
  return segments;
}
