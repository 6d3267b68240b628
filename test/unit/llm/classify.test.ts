/** Provider failures as the gateway sees them: the account out of quota is neither a passing 429 nor a refusal. */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/llm/openai-client.ts';

const apiError = (status: number, body: Record<string, unknown>) =>
  OpenAI.APIError.generate(status, { error: body }, undefined, new Headers());

describe('classify', () => {
  it('tells an exhausted quota, credit or daily cap from a passing rate limit', () => {
    expect(classify(apiError(429, { message: 'slow down', code: 'rate_limit_exceeded' }), 1000)).toMatchObject({
      kind: 'rate-limited',
      transient: true,
    });
    for (const body of [
      {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        code: 'insufficient_quota',
      },
      { message: 'Daily limit reached for this key' },
    ]) {
      expect(classify(apiError(429, body), 1000)).toMatchObject({ kind: 'exhausted', transient: false });
    }
    expect(classify(apiError(402, { message: 'Payment required: insufficient credit' }), 1000)).toMatchObject({
      kind: 'exhausted',
      transient: false,
    });
  });
});
