/**
 * Prompt sets: an uploaded set is checked whole (shape, variables, few-shot answers through the step's parser), the
 * bundled `prompts_local` set passes the same checks, and a stage's overrides put its own set over its default set.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultCompositionConfig } from '../../../src/config/composition/schema.ts';
import type { Db } from '../../../src/db/client.ts';
import { PromptSets } from '../../../src/jobs/prompt-sets.ts';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import { promptSpecs } from '../../../src/pipelines/stages.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const library = loadPrompts(path.join(root, 'prompts'), promptSpecs);
const sets = new PromptSets(
  {} as Db,
  library,
  { bundled: path.join(root, 'prompts'), local: path.join(root, 'prompts-local') },
  promptSpecs,
);

const filter = (answer: string, extra = '') => `- role: system
  content: Decide if the passage teaches anything. ${extra}
- role: user
  content: A passage about ferries leaving at six.
- role: assistant
  content: |
    ${answer}
- role: user
  content: |
    {{ text }}
`;

describe('checking an uploaded prompt set', () => {
  it("accepts a file with the step's answer format and its variables", () => {
    expect(sets.check({ 'representation-variation/filter': filter('Real content.\n    Verdict: SUITABLE') })).toEqual(
      [],
    );
  });

  it('lists every problem of every file at once', () => {
    const problems = sets.check({
      'representation-variation/filter': filter('Looks fine to me.', '{{ unknown_thing }}'),
      'factual-sft/judge': '- role: user\n  content: "{{ text }}"\n- role: assistant\n  content: ok\n',
      'no-such/prompt': '- role: user\n  content: hi\n',
      'pdf-cleaning/clean-pdf': 'not: [a list',
    });
    const byFile = (id: string) => problems.filter((p) => p.path === `body.files.${id}`).map((p) => p.message);
    expect(byFile('representation-variation/filter').join('\n')).toMatch(/\{\{ unknown_thing \}\}, not declared/);
    expect(byFile('factual-sft/judge').join('\n')).toMatch(/must end with the user message/);
    expect(byFile('factual-sft/judge').join('\n')).toMatch(
      /message 2 \(a few-shot answer\) is not accepted by the step's parser/,
    );
    expect(byFile('no-such/prompt').join('\n')).toMatch(/no prompt no-such\/prompt exists/);
    expect(byFile('pdf-cleaning/clean-pdf').join('\n')).toMatch(/is not valid YAML|must be a non-empty YAML list/);
    expect(sets.check({})).toEqual([{ path: 'body.files', message: 'a prompt set needs at least one file' }]);
  });

  it('few-shot answers the parser refuses are named', () => {
    const problems = sets.check({ 'representation-variation/filter': filter('I cannot decide.') });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/^message 3 \(a few-shot answer\) is not accepted by the step's parser/);
  });
});

describe('prompts_local', () => {
  it('holds compact prompts that pass the upload checks', () => {
    expect([...sets.local.keys()].sort()).toEqual([
      'factual-sft/judge',
      'factual-sft/qa-generation',
      'representation-variation/atomic-facts',
      'representation-variation/filter',
    ]);
    expect(
      sets
        .catalog()
        .filter((p) => p.inLocalSet)
        .map((p) => p.id)
        .sort(),
    ).toEqual([...sets.local.keys()].sort());
  });

  it('is what a stage whose prompt key says prompts_local renders with, the rest staying bundled', async () => {
    const config = defaultCompositionConfig();
    config.representation_variation.representation_variation_prompts = 'prompts_local';
    const overrides = await sets.forStage('proj_x', config, 'representation_variation', {});
    expect(overrides?.has('representation-variation/filter')).toBe(true);
    const rendered = library.render('representation-variation/filter', {
      vars: { text: 'T' },
      completionMode: false,
      overrides,
    });
    const bundled = library.render('representation-variation/filter', { vars: { text: 'T' }, completionMode: false });
    expect(rendered).not.toEqual(bundled);
    expect(await sets.forStage('proj_x', defaultCompositionConfig(), 'representation_variation', {})).toBeUndefined();
  });

  it('lists every bundled prompt with its variables and answer contract', () => {
    const entry = sets.catalog().find((p) => p.id === 'representation-variation/filter');
    expect(entry?.variables).toEqual(['text', 'error_message']);
    expect(entry?.description).toMatch(/Answer contract/);
    expect(entry?.messages.at(-1)?.role).toBe('user');
  });
});
