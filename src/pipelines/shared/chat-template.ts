/**
 * Rendering conversations into training text with a chat template (blueprint §6.4), with `@huggingface/jinja` so a
 * real Hugging Face `chat_template` works: `messages` carry both `role`/`content` (Hugging Face) and `from`/`value`
 * (the original's names), plus `bos_token`, `eos_token`, `add_generation_prompt: false` and the config's
 * `template_kwargs`. Loss-masked records are made by rendering growing prefixes of the conversation: a message's
 * segment is what its turn adds to the rendering, so the segments always concatenate to the full rendering.
 */
import { Template } from '@huggingface/jinja';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Axolotl's `input_output` segment: `label: true` is trained on, `false` is masked. */
export interface Segment {
  label: boolean;
  text: string;
}

/** The original's `atk` preset: one line per message, `Instruction:` / `Human:` / `AI:` … `**Finished.**`. */
export const ATK_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}Instruction: {% elif message['role'] == 'user' %}Human: {% else %}AI: {% endif %}{{ message['content'] }} **Finished.**\n{% endfor %}";

export const CHATML_TEMPLATE =
  "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}";

/** `atk`, `chatml`, or the Jinja source itself (final_datasaving_settings.template). */
export function resolveTemplate(name: string): string {
  if (name === 'atk') return ATK_TEMPLATE;
  if (name === 'chatml') return CHATML_TEMPLATE;
  return name;
}

const compiled = new Map<string, Template>();
function compile(source: string): Template {
  let template = compiled.get(source);
  if (!template) {
    template = new Template(source);
    if (compiled.size > 100) compiled.clear();
    compiled.set(source, template);
  }
  return template;
}

/** The whole conversation rendered (not trimmed). */
export function renderConversation(
  template: string,
  messages: readonly ChatMessage[],
  kwargs: Record<string, unknown> = {},
): string {
  return compile(template).render({
    bos_token: '',
    eos_token: '',
    add_generation_prompt: false,
    ...kwargs,
    messages: messages.map((m) => ({ role: m.role, content: m.content, from: m.role, value: m.content })),
  });
}

/**
 * Segments of a conversation whose messages each say whether they are trained on. Adjacent segments with the same
 * label are merged. Throws when the template is not prefix-stable where the label changes (rendering more messages
 * rewrites text before the cut), since no honest masking exists then.
 *
 * The conversation is rendered only up to where the label changes (and to its end), not after every message: a RAG
 * record of 20 turns with three runs of labels is rendered 4 times instead of 21, each time whole.
 */
export function renderSegments(
  template: string,
  messages: ReadonlyArray<ChatMessage & { label: boolean }>,
  kwargs: Record<string, unknown> = {},
): Segment[] {
  const segments: Segment[] = [];
  let before = renderConversation(template, [], kwargs);
  if (before !== '') segments.push({ label: false, text: before });
  for (let end = 1; end <= messages.length; end++) {
    const label = (messages[end - 1] as { label: boolean }).label;
    if (end < messages.length && (messages[end] as { label: boolean }).label === label) continue;
    const after = renderConversation(template, messages.slice(0, end), kwargs);
    if (!after.startsWith(before)) {
      throw new Error('the chat template rewrites earlier turns when a turn is added, so turns cannot be masked');
    }
    const text = after.slice(before.length);
    const last = segments.at(-1);
    if (last && last.label === label) last.text += text;
    else if (text !== '') segments.push({ label, text });
    before = after;
  }
  return segments;
}

/** A one-variable Jinja format (the RAG `system_format`, `user_format`, `assistant_format`). */
export function renderFormat(format: string, vars: Record<string, unknown>): string {
  return compile(format).render(vars);
}
