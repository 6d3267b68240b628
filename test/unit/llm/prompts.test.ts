import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPrompts, referencedVariables } from '../../../src/llm/prompts.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/prompts');
const specs = [
  { id: 'llm-test/summary', variables: ['text'] },
  { id: 'llm-test/verdict', variables: ['text'] },
];

describe('rendering', () => {
  const prompts = loadPrompts(FIXTURES, specs);

  it('renders chat messages with the values inserted once, trimmed, without the retry note on a first attempt', () => {
    const rendered = prompts.render('llm-test/summary', { vars: { text: 'Cats sleep.' }, completionMode: false });
    if (rendered.kind !== 'chat') throw new Error('expected chat');
    expect(rendered.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(rendered.messages.at(-1)?.content).toBe('Passage:\n"""\nCats sleep.\n"""');
  });

  it('never re-interprets braces or template syntax inside inserted text', () => {
    const text = 'Use {{ secret }} and {% if x %}y{% endif %} and {text} and {{ error_message }} literally.';
    const rendered = prompts.render('llm-test/summary', { vars: { text }, completionMode: false });
    if (rendered.kind !== 'chat') throw new Error('expected chat');
    expect(rendered.messages.at(-1)?.content).toContain(text);
  });

  it('passes error_message to the prompt when given', () => {
    const rendered = prompts.render('llm-test/summary', {
      vars: { text: 'T.', error_message: 'Close the tag.' },
      completionMode: false,
    });
    if (rendered.kind !== 'chat') throw new Error('expected chat');
    expect(rendered.messages.at(-1)?.content.startsWith('Retry note: Close the tag.')).toBe(true);
  });

  it('uses a style override when it exists and falls back to the default otherwise', () => {
    expect(prompts.styles('llm-test/summary')).toEqual(['negative']);
    const styled = prompts.render('llm-test/summary', {
      style: 'negative',
      vars: { text: 'X.' },
      completionMode: false,
    });
    if (styled.kind !== 'chat') throw new Error('expected chat');
    expect(styled.messages).toHaveLength(3);
    const fallback = prompts.render('llm-test/verdict', {
      style: 'negative',
      vars: { text: 'X.' },
      completionMode: false,
    });
    if (fallback.kind !== 'chat') throw new Error('expected chat');
    expect(fallback.messages.at(-1)?.content).toBe('Is this text about cats? X.');
  });

  it('uses the .txt variant in completion mode, and a transcript when there is none', () => {
    const txt = prompts.render('llm-test/summary', { vars: { text: 'Cats.' }, completionMode: true });
    expect(txt).toEqual({
      kind: 'completion',
      prompt: 'Summarise the passage inside <summary></summary> tags.\n\nPassage: Cats.\nSummary:\n',
    });
    const transcript = prompts.render('llm-test/verdict', { vars: { text: 'Cats.' }, completionMode: true });
    expect(transcript).toEqual({
      kind: 'completion',
      prompt:
        'USER:\nIs this text about cats? Cats.\n\nASSISTANT:\nVerdict: YES\n\nUSER:\nIs this text about cats? Cats.\n\nASSISTANT:\n',
    });
  });

  it('throws for an undeclared prompt or a missing value (programming errors)', () => {
    expect(() => prompts.render('llm-test/nope', { vars: {}, completionMode: false })).toThrow(/not declared/);
    expect(() => prompts.render('llm-test/summary', { vars: {}, completionMode: false })).toThrow();
  });
});

describe('loading errors (at start-up, naming file and placeholder)', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const tree = (files: Record<string, string>): string => {
    dir = mkdtempSync(path.join(tmpdir(), 'prompts-'));
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), content);
    }
    return dir;
  };

  it('rejects a placeholder the spec does not declare', () => {
    const root = tree({ 'g/p.yaml': '- role: user\n  content: "{{ text }} and {{ txet }}"\n' });
    expect(() => loadPrompts(root, [{ id: 'g/p', variables: ['text'] }])).toThrow(
      /g\/p\.yaml \(message 1\).*\{\{ txet \}\}/,
    );
  });

  it('checks style overrides and .txt variants too', () => {
    const root = tree({
      'g/p.yaml': '- role: user\n  content: "{{ text }}"\n',
      'g/p.txt': '{{ other }}',
      'g/s/p.yaml': '- role: user\n  content: "{{ nope }}"\n',
    });
    const load = () => loadPrompts(root, [{ id: 'g/p', variables: ['text'] }]);
    expect(load).toThrow(/p\.txt.*\{\{ other \}\}/);
    expect(load).toThrow(/s\/p\.yaml.*\{\{ nope \}\}/);
  });

  it('rejects a declared prompt without a file', () => {
    const root = tree({ 'g/p.yaml': '- role: user\n  content: hi\n' });
    expect(() => loadPrompts(root, [{ id: 'g/missing', variables: [] }])).toThrow(/g\/missing\.yaml does not exist/);
  });

  it('rejects invalid YAML and YAML that is not a list of messages', () => {
    const bad = tree({
      'g/a.yaml': '- role: user\n  content: [unclosed\n',
      'g/b.yaml': 'role: user\ncontent: hi\n',
      'g/c.yaml': '- role: robot\n  content: hi\n',
      'g/d.yaml': '- role: user\n',
    });
    const load = () =>
      loadPrompts(
        bad,
        ['a', 'b', 'c', 'd'].map((n) => ({ id: `g/${n}`, variables: [] })),
      );
    expect(load).toThrow(/a\.yaml: is not valid YAML/);
    expect(load).toThrow(/b\.yaml: must be a non-empty YAML list/);
    expect(load).toThrow(/c\.yaml: message 1 must have a role/);
    expect(load).toThrow(/d\.yaml: message 1 \(user\) must have a string content/);
  });

  it('rejects a template that does not compile', () => {
    const root = tree({ 'g/p.yaml': '- role: user\n  content: "{% if text %}unclosed"\n' });
    expect(() => loadPrompts(root, [{ id: 'g/p', variables: ['text'] }])).toThrow(/does not compile/);
  });
});

describe('referencedVariables', () => {
  it('finds context reads and ignores names the template binds, filters and globals', () => {
    const source =
      '{{ a }} {{ b.c | upper }} {% for x in items %}{{ x }}{{ loop.index }}{% endfor %}' +
      '{% set y = a %}{{ y }}{% if flag and not other %}{% endif %}{{ range(3) }}{{ d["k"] }}';
    expect(referencedVariables(source)).toEqual(['a', 'b', 'd', 'flag', 'items', 'other']);
  });
});
