import { describe, expect, it } from 'vitest';
import { inferredFactsRecipe } from '../../../../src/pipelines/inferred-facts/stage.ts';
import { representationVariationRecipe } from '../../../../src/pipelines/representation-variation/stage.ts';
import { type ProcessChunkOptions, processChunk } from '../../../../src/pipelines/shared/chunk-variations.ts';
import { pretrainingLines } from '../../../../src/pipelines/shared/pretraining-lines.ts';
import { variationFormats } from '../../../../src/pipelines/shared/variation-formats.ts';
import type { LlmCall } from '../../../../src/pipelines/step.ts';
import { type StubAnswer, stubContext } from '../stub-context.ts';

const chunk = { text: 'The Brennick Point Light was built in 1871.', metadata: 'docs/light.txt' };
const repvar: ProcessChunkOptions = { variationCount: 4, codeVariations: ['keyboard_augmentation'] };

/** Answers every prompt of the chain; variations wait a little so that overlapping calls show. */
function answers(overrides: Record<string, StubAnswer> = {}) {
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const answer = async (request: LlmCall<unknown>): Promise<StubAnswer> => {
    const override = overrides[request.prompt];
    if (override !== undefined) return override;
    if (request.prompt.endsWith('/filter')) return 'A passage about a lighthouse.\nVerdict: SUITABLE';
    if (request.prompt.endsWith('/atomic-facts'))
      return '<atomic_facts>\n1. The light was built in 1871.\n</atomic_facts>';
    if (request.prompt.endsWith('/inferred-facts')) return '<inferred_facts>\n1. The light is old.\n</inferred_facts>';
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight--;
    const format = request.prompt.split('/').at(-1);
    return `Approach.\n<rewrite>${format} #${request.sampleIndex}: ${String(request.vars['text'])}</rewrite>`;
  };
  return { answer, stats };
}

describe('processChunk (representation variation)', () => {
  it('drops an unsuitable chunk with the filter reasoning, after one call', async () => {
    const { answer } = answers({ 'representation-variation/filter': 'It is an index of terms.\nVerdict: UNSUITABLE' });
    const ctx = stubContext(answer);
    expect(await processChunk(ctx, chunk, representationVariationRecipe, repvar)).toEqual({
      state: 'dropped',
      reason: 'judged unsuitable by the filter',
    });
    expect(ctx.calls).toHaveLength(1);
  });

  it('makes 2 + V + F·(1+V) lines from filter, atomic facts, V variations and F code functions', async () => {
    const { answer } = answers();
    const ctx = stubContext(answer);
    const result = await processChunk(ctx, chunk, representationVariationRecipe, {
      ...repvar,
      codeVariations: ['keyboard_augmentation', 'allcaps'],
      additionalDatasetContext: 'lighthouses',
    });
    if (result.state !== 'done') throw new Error(result.reason);
    const { output } = result;
    expect(output.atomicFacts).toBe('1. The light was built in 1871.');
    expect(output).not.toHaveProperty('inferredFacts');
    expect(output.variations).toHaveLength(4);
    expect(output.codeVariations.map((v) => [v.fn, v.of])).toEqual([
      ...['chunk', 0, 1, 2, 3].map((of) => ['keyboard_augmentation', of]),
      ...['chunk', 0, 1, 2, 3].map((of) => ['allcaps', of]),
    ]);
    expect(output.codeVariations[5]?.text).toBe(chunk.text.toUpperCase());
    expect(output.codeVariations[6]?.text).toBe(output.variations[0]?.text.toUpperCase());
    const lines = pretrainingLines({ ...chunk, ...output }, { includeContext: true, datasetContext: 'ctx' });
    expect(lines).toHaveLength(2 + 4 + 2 * (1 + 4));

    const [filter, atomic, ...variations] = ctx.calls;
    expect(filter).toMatchObject({
      prompt: 'representation-variation/filter',
      model: 'small',
      vars: { text: chunk.text },
    });
    expect(filter?.sampling).toMatchObject({ maxTokens: 2000, temperature: 0.8, topP: 0.9 });
    expect(filter?.sampling.stop?.length).toBeGreaterThan(0);
    expect(atomic).toMatchObject({
      prompt: 'representation-variation/atomic-facts',
      model: 'small',
      vars: { text: chunk.text, additional_dataset_context: 'lighthouses' },
      sampling: { maxTokens: 8000, temperature: 0.5, topP: 0.8 },
    });
    expect(variations.map((call) => call.sampleIndex)).toEqual([0, 1, 2, 3]);
    for (const [index, call] of variations.entries()) {
      expect(call).toMatchObject({
        prompt: `representation-variation/variations/${output.variations[index]?.format}`,
        model: 'large',
        vars: { text: chunk.text, atomic_facts: output.atomicFacts, additional_dataset_context: 'lighthouses' },
        sampling: { maxTokens: 4000, temperature: 0.5, topP: 0.8 },
      });
      expect(call.sampling.stop).toBeUndefined();
    }
  });

  it('writes the variations concurrently', async () => {
    const { answer, stats } = answers();
    await processChunk(stubContext(answer), chunk, representationVariationRecipe, repvar);
    expect(stats.maxInFlight).toBe(4);
  });

  it('draws the same formats and noise for the same chunk and seed, whatever the call order', async () => {
    const run = async (seed: string, delay: (request: LlmCall<unknown>) => number) => {
      const { answer } = answers();
      const slow = async (request: LlmCall<unknown>) => {
        await new Promise((resolve) => setTimeout(resolve, delay(request)));
        return answer(request);
      };
      const result = await processChunk(stubContext(slow, seed), chunk, representationVariationRecipe, {
        ...repvar,
        variationCount: 12,
      });
      if (result.state !== 'done') throw new Error(result.reason);
      return result.output;
    };
    const first = await run('s1', () => 0);
    const resumed = await run('s1', (request) => 12 - (request.sampleIndex ?? 0));
    expect(resumed).toEqual(first);
    const formats = first.variations.map((variation) => variation.format);
    expect(formats.every((format) => (variationFormats as readonly string[]).includes(format))).toBe(true);
    const otherSeed = await run('s2', () => 0);
    expect(otherSeed.variations.map((variation) => variation.format)).not.toEqual(formats);
  });

  it('keeps the chunk, its facts and the other variations when variations fail, each failure with its reason', async () => {
    const failing = variationFormats.map((format) => [
      `representation-variation/variations/${format}`,
      { fail: 'LLM: 3 attempts, last: HTTP 500' },
    ]);
    const all = answers(Object.fromEntries(failing));
    const none = await processChunk(stubContext(all.answer), chunk, representationVariationRecipe, repvar);
    if (none.state !== 'done') throw new Error(none.reason);
    expect(none.output.variations).toEqual([]);
    expect(none.output.failedVariations).toHaveLength(repvar.variationCount);
    expect(none.output.failedVariations[0]?.reason).toBe('LLM: 3 attempts, last: HTTP 500');
    expect(none.output.atomicFacts).not.toBe('');
    // Only the chunk's own code variations remain.
    expect(none.output.codeVariations.every((c) => c.of === 'chunk')).toBe(true);

    const first = answers();
    const full = await processChunk(stubContext(first.answer), chunk, representationVariationRecipe, repvar);
    if (full.state !== 'done') throw new Error(full.reason);
    const failedFormat = full.output.variations[0]?.format as string;
    const one = answers({ [`representation-variation/variations/${failedFormat}`]: { fail: 'LLM: timed out' } });
    const partial = await processChunk(stubContext(one.answer), chunk, representationVariationRecipe, repvar);
    if (partial.state !== 'done') throw new Error(partial.reason);
    expect(partial.output.failedVariations).toEqual(
      full.output.variations
        .filter((v) => v.format === failedFormat)
        .map((v) => ({ format: v.format, reason: 'LLM: timed out' })),
    );
    expect(partial.output.variations).toEqual(full.output.variations.filter((v) => v.format !== failedFormat));
  });

  it("drops the chunk with the parser's reason when its atomic facts cannot be read", async () => {
    const atomicFails = answers({ 'representation-variation/atomic-facts': 'no facts here' });
    const result = await processChunk(stubContext(atomicFails.answer), chunk, representationVariationRecipe, repvar);
    expect(result).toEqual({
      state: 'dropped',
      reason:
        'The answer had no <atomic_facts> block and no numbered list: give the facts as a numbered list inside <atomic_facts>…</atomic_facts>.',
    });
  });

  it('throws on an unknown code variation function (the config schema should have caught it)', async () => {
    const { answer } = answers();
    await expect(
      processChunk(stubContext(answer), chunk, representationVariationRecipe, { ...repvar, codeVariations: ['shout'] }),
    ).rejects.toThrow(/unknown code variation function "shout"/);
  });
});

describe('processChunk (inferred facts)', () => {
  it('filters on the large model, adds inferred facts, and uses the inferred-facts prompts', async () => {
    const { answer } = answers();
    const ctx = stubContext(answer);
    const result = await processChunk(ctx, chunk, inferredFactsRecipe, { ...repvar, variationCount: 2 });
    if (result.state !== 'done') throw new Error(result.reason);
    expect(result.output.inferredFacts).toBe('1. The light is old.');
    const [filter, atomic, inferred, ...variations] = ctx.calls;
    expect(filter).toMatchObject({ prompt: 'representation-variation/filter', model: 'large' });
    expect(atomic).toMatchObject({ prompt: 'inferred-facts/atomic-facts', model: 'small', vars: { text: chunk.text } });
    expect(inferred).toMatchObject({
      prompt: 'inferred-facts/inferred-facts',
      model: 'small',
      vars: { text: chunk.text, atomic_facts: '1. The light was built in 1871.' },
      sampling: { maxTokens: 5000, temperature: 0.5, topP: 0.8 },
    });
    for (const call of variations) {
      expect(call.prompt).toMatch(/^inferred-facts\/variations\//);
      expect(call).toMatchObject({ model: 'large', vars: { inferred_facts: '1. The light is old.' } });
    }
    const lines = pretrainingLines({ ...chunk, ...result.output }, { includeContext: false, datasetContext: '' });
    expect(lines).toHaveLength(2 + 2 + 1 * (1 + 2));
    expect(lines.join('\n')).not.toContain('The light is old.');
  });
});
