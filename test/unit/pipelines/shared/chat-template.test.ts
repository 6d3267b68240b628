/** Chat templates with @huggingface/jinja: the presets, a real Hugging Face template, and masked segments. */
import { describe, expect, it } from 'vitest';
import {
  ATK_TEMPLATE,
  CHATML_TEMPLATE,
  renderConversation,
  renderSegments,
  resolveTemplate,
} from '../../../../src/pipelines/shared/chat-template.ts';

const messages = [
  { role: 'system' as const, content: 'Be helpful.' },
  { role: 'user' as const, content: 'Hi?' },
  { role: 'assistant' as const, content: 'Hello.' },
];

/** A Hugging Face style template (Zephyr's shape), using bos/eos tokens from the kwargs. */
const ZEPHYR =
  "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}{{ '<|system|>\\n' + message['content'] + eos_token }}{% elif message['role'] == 'assistant' %}{{ '<|assistant|>\\n'  + message['content'] + eos_token }}{% endif %}{% if loop.last and add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}{% endfor %}";

describe('renderConversation', () => {
  it('renders the atk and chatml presets as the original does', () => {
    expect(renderConversation(resolveTemplate('atk'), messages, { bos_token: '<s>' })).toBe(
      '<s>Instruction: Be helpful. **Finished.**\nHuman: Hi? **Finished.**\nAI: Hello. **Finished.**\n',
    );
    expect(renderConversation(resolveTemplate('chatml'), messages)).toBe(
      '<|im_start|>system\nBe helpful.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n',
    );
    expect(resolveTemplate('atk')).toBe(ATK_TEMPLATE);
    expect(resolveTemplate('chatml')).toBe(CHATML_TEMPLATE);
  });

  it('renders a real Hugging Face chat template with its kwargs, and the original’s from/value names', () => {
    expect(renderConversation(ZEPHYR, messages, { eos_token: '</s>' })).toBe(
      '<|system|>\nBe helpful.</s><|user|>\nHi?</s><|assistant|>\nHello.</s>',
    );
    expect(renderConversation('{% for m in messages %}{{ m.from }}={{ m.value }};{% endfor %}', messages)).toBe(
      'system=Be helpful.;user=Hi?;assistant=Hello.;',
    );
  });
});

describe('renderSegments', () => {
  it('splits into labelled segments that concatenate to the full rendering', () => {
    const labelled = messages.map((m) => ({ ...m, label: m.role === 'assistant' }));
    for (const template of [ATK_TEMPLATE, CHATML_TEMPLATE, ZEPHYR]) {
      const segments = renderSegments(template, labelled, { bos_token: '<s>', eos_token: '</s>' });
      expect(segments.map((s) => s.text).join('')).toBe(
        renderConversation(template, messages, { bos_token: '<s>', eos_token: '</s>' }),
      );
      expect(
        segments
          .filter((s) => s.label)
          .map((s) => s.text)
          .join(''),
      ).toContain('Hello.');
      expect(
        segments
          .filter((s) => s.label)
          .map((s) => s.text)
          .join(''),
      ).not.toContain('Hi?');
    }
  });

  it('cuts where the label changes exactly as cutting after every message would', () => {
    // A RAG record's shape: a masked system turn, one member's pairs trained on, the other members' not.
    const labels = [false, false, false, true, true, false, false, true, true, true, false];
    const turns = labels.map((label, i) => ({
      role: i === 0 ? ('system' as const) : i % 2 === 1 ? ('user' as const) : ('assistant' as const),
      content: `turn ${i}`,
      label,
    }));
    const kwargs = { bos_token: '<s>', eos_token: '</s>' };
    for (const template of [ATK_TEMPLATE, CHATML_TEMPLATE, ZEPHYR]) {
      // Per message: each turn's own text, then adjacent turns of one label merged.
      const perMessage: Array<{ label: boolean; text: string }> = [];
      let before = renderConversation(template, [], kwargs);
      if (before) perMessage.push({ label: false, text: before });
      for (let i = 1; i <= turns.length; i++) {
        const after = renderConversation(template, turns.slice(0, i), kwargs);
        const label = (turns[i - 1] as { label: boolean }).label;
        const last = perMessage.at(-1);
        if (last?.label === label) last.text += after.slice(before.length);
        else perMessage.push({ label, text: after.slice(before.length) });
        before = after;
      }
      expect(renderSegments(template, turns, kwargs)).toEqual(perMessage);
    }
  });

  it('refuses a template that rewrites earlier turns', () => {
    const unstable = '{% for m in messages %}{{ m.content }}{% endfor %}{{ messages | length }}';
    expect(() =>
      renderSegments(
        unstable,
        messages.map((m) => ({ ...m, label: true })),
      ),
    ).toThrow(/rewrites earlier turns/);
  });
});
