/**
 * The prompt files of the continued-pretraining pipelines: their shape, their declared variables, that they render,
 * that every few-shot answer satisfies its step's parser, and that the test LLM (which replays the last few-shot
 * answer with its last tag pair's content replaced) produces a parsable answer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prompts as correctionPrompts } from '../../../src/pipelines/correction/prompts.ts';
import { prompts as factualPrompts } from '../../../src/pipelines/factual-sft/prompts.ts';
import { prompts as inferredFactsPrompts } from '../../../src/pipelines/inferred-facts/prompts.ts';
import { prompts as pdfPrompts } from '../../../src/pipelines/pdf-cleaning/prompts.ts';
import { parserForPrompt } from '../../../src/pipelines/prompt-parsers.ts';
import { prompts as ragPrompts } from '../../../src/pipelines/rag-data/prompts.ts';
import { prompts as repvarPrompts } from '../../../src/pipelines/representation-variation/prompts.ts';
import { parseRewrite } from '../../../src/pipelines/shared/chunk-parsers.ts';
import type { Parser } from '../../../src/pipelines/step.ts';
import { prompts as thoughtPrompts } from '../../../src/pipelines/thought-rewrite/prompts.ts';

const ROOT = join(import.meta.dirname, '../../../prompts');
const GROUPS = [
  'pdf-cleaning',
  'representation-variation',
  'inferred-facts',
  'factual-sft',
  'thought-rewrite',
  'rag-data',
  'correction',
];
const specs = [
  ...pdfPrompts,
  ...repvarPrompts,
  ...inferredFactsPrompts,
  ...factualPrompts,
  ...thoughtPrompts,
  ...ragPrompts,
  ...correctionPrompts,
];
const specIds = new Set(specs.map((spec) => spec.id));

function parserFor(id: string): Parser<unknown> {
  const parser = parserForPrompt(id);
  if (!parser) throw new Error(`no parser for ${id}`);
  return parser;
}

interface Message {
  role: string;
  content: string;
}

function load(file: string): Message[] {
  return parse(readFileSync(join(ROOT, `${file}.yaml`), 'utf8')) as Message[];
}

/** A style variant `<group>/<style>/<name>` of the declared prompt `<group>/<name>` (the original's override folders). */
const baseIdOf = (file: string) => {
  const parts = file.split('/');
  return parts.length >= 3 ? [...parts.slice(0, -2), parts.at(-1)].join('/') : file;
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** What the fake LLM does: the last few-shot answer, with the content of its last tag pair replaced. */
function fakeReplay(lastAnswer: string, derived: string): string {
  const closes = [...lastAnswer.matchAll(/<\/([\w-]+)\s*>/g)];
  const close = closes.at(-1);
  if (!close) return lastAnswer;
  const open = lastAnswer.lastIndexOf(`<${close[1]}>`, close.index);
  return lastAnswer.slice(0, open + `<${close[1]}>`.length) + derived + lastAnswer.slice(close.index);
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });

const onDisk = GROUPS.flatMap((group) => files(join(ROOT, group)))
  .map((file) => relative(ROOT, file).replace(/\.yaml$/, ''))
  .sort();
const variants = onDisk.filter((file) => !specIds.has(file) && specIds.has(baseIdOf(file)));

it('every prompt file of these groups is declared (or is a style variant of one), and every declared prompt exists', () => {
  expect(specs.map((spec) => spec.id).sort()).toEqual(onDisk.filter((file) => !variants.includes(file)));
});

const promptFiles = [
  ...specs.map((spec) => ({ file: spec.id, id: spec.id, variables: spec.variables, variant: false })),
  ...variants.map((file) => {
    const spec = specs.find((s) => s.id === baseIdOf(file));
    return { file, id: baseIdOf(file), variables: spec?.variables ?? [], variant: true };
  }),
];

describe.each(promptFiles)('$file', ({ file, id, variables: declared, variant }) => {
  const messages = load(file);
  const used = new Set(
    [
      ...messages
        .map((m) => m.content)
        .join('\n')
        .matchAll(/\{\{\s*(\w+)|\{%-?\s*if\s+(\w+)/g),
    ].map((m) => m[1] ?? m[2]),
  );
  // A variant may leave out a variable its base takes (the follow-up way is shown no related texts).
  const variables = variant ? declared.filter((name) => used.has(name)) : declared;
  const text = messages.map((message) => message.content).join('\n');

  it('is a list of messages ending with the user message, after at least one example pair', () => {
    for (const message of messages) {
      expect(['system', 'user', 'assistant']).toContain(message.role);
      expect(typeof message.content).toBe('string');
    }
    const turns = messages.filter((message) => message.role !== 'system');
    expect(turns.at(-1)?.role).toBe('user');
    expect(turns.length % 2).toBe(1);
    for (const [i, message] of turns.entries()) expect(message.role).toBe(i % 2 === 0 ? 'user' : 'assistant');
    expect(turns.length).toBeGreaterThanOrEqual(3);
  });

  it('references exactly its declared variables and renders', () => {
    const used = new Set([...text.matchAll(/\{\{\s*(\w+)|\{%-?\s*if\s+(\w+)/g)].map((m) => m[1] ?? m[2]));
    expect([...used].sort()).toEqual([...variables].sort());
    const vars = Object.fromEntries(variables.map((name) => [name, `«${name}»`]));
    const rendered = messages.map((message) => env.renderString(message.content, vars)).join('\n');
    for (const name of variables) expect(rendered).toContain(`«${name}»`);
    const first = messages
      .map((message) => env.renderString(message.content, { ...vars, error_message: '' }))
      .join('\n');
    expect(first).not.toContain('previous answer could not be used');
  });

  it('has few-shot answers that its parser accepts, and the test LLM replay parses too', () => {
    const parser = parserFor(id);
    const answers = messages.filter((message) => message.role === 'assistant').map((message) => message.content);
    for (const answer of answers) expect(parser(answer).kind).toBe('ok');
    const last = answers.at(-1) as string;
    expect(parser(fakeReplay(last, '1. Derived from the final user message.')).kind).toBe('ok');
    if (id.endsWith('/filter')) {
      expect(parser(answers[0] as string)).toEqual({ kind: 'ok', value: false });
      expect(parser(last)).toEqual({ kind: 'ok', value: true });
    }
  });

  if (id.endsWith('/variations/json-lines')) {
    it('has example rewrites whose lines are JSON objects', () => {
      for (const message of messages.filter((m) => m.role === 'assistant')) {
        const result = parseRewrite(message.content);
        if (result.kind !== 'ok') throw new Error(result.reason);
        for (const line of result.value.split('\n')) expect(typeof JSON.parse(line)).toBe('object');
      }
    });
  }

  if (id.endsWith('/variations/xml')) {
    it('has example rewrites with balanced XML tags', () => {
      for (const message of messages.filter((m) => m.role === 'assistant')) {
        const result = parseRewrite(message.content);
        if (result.kind !== 'ok') throw new Error(result.reason);
        const stack: string[] = [];
        for (const [tag, closing, name, selfClosing] of result.value.matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
          if (selfClosing) continue;
          if (closing) expect(stack.pop(), tag).toBe(name);
          else stack.push(name as string);
        }
        expect(stack).toEqual([]);
      }
    });
  }
});
