/** Shared pieces of the LLM gateway tests: the fixture prompts, endpoints on the fake LLM, a tag parser. */
import path from 'node:path';
import { loadPrompts } from '../../../src/llm/prompts.ts';
import type { Endpoint, StageBinding } from '../../../src/llm/types.ts';
import { type LlmCall, type Parser, parsed } from '../../../src/pipelines/step.ts';

export const FIXTURE_PROMPTS = path.join(import.meta.dirname, '../../fixtures/prompts');

export const testPrompts = () =>
  loadPrompts(FIXTURE_PROMPTS, [
    { id: 'llm-test/summary', variables: ['text'] },
    { id: 'llm-test/verdict', variables: ['text'] },
  ]);

export function endpoint(baseUrl: string, overrides: Partial<Endpoint> = {}): Endpoint {
  return {
    model: 'fake-model',
    baseUrl,
    apiKey: '',
    mode: 'api',
    costPerMillionInput: 2,
    costPerMillionOutput: 10,
    ...overrides,
  };
}

export function binding(baseUrl: string, overrides: Partial<StageBinding> = {}): StageBinding {
  return {
    runId: 'run_test',
    stage: 'test_stage',
    endpoints: { small: endpoint(baseUrl), large: endpoint(baseUrl, { model: 'fake-large' }) },
    useStop: true,
    completionMode: false,
    concurrencyLimit: 8,
    ...overrides,
  };
}

/** The content of <summary>…</summary>; retry (with an instruction for the model) when it is missing. */
export const parseSummary: Parser<string> = (text) => {
  const match = /<summary>([\s\S]*?)<\/summary>/.exec(text);
  return match?.[1] ? parsed.ok(match[1].trim()) : parsed.retry('Put the summary inside summary tags.');
};

export function summaryCall(text: string, overrides: Partial<LlmCall<string>> = {}): LlmCall<string> {
  return {
    prompt: 'llm-test/summary',
    vars: { text },
    model: 'small',
    sampling: { maxTokens: 200, temperature: 0.7 },
    parse: parseSummary,
    ...overrides,
  };
}
