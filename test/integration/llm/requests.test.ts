/**
 * What the gateway sends: stop lists (cut to 4, or none without use_stop), sampling, the endpoint of the requested
 * model role and the prompt id, seen through a recording provider; and how rejections and refusals end a call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { createGateway } from '../../../src/llm/gateway.ts';
import type { ProviderClient, ProviderRequest } from '../../../src/llm/openai-client.ts';
import { LlmProviderError } from '../../../src/llm/types.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { createTestDatabase } from '../../support/test-db.ts';
import { binding, summaryCall, testPrompts } from './support.ts';

let database: Database;
let fake: FakeLlm;
beforeAll(async () => {
  [database, fake] = await Promise.all([createTestDatabase(), startFakeLlm()]);
});
afterAll(async () => {
  await Promise.all([database?.close(), fake?.close()]);
});

const STOPS = ['### Response', '[INST]', '<|eot_id|>', '</s>', 'Name:', '\n\n\n\n\n'];

function recorder() {
  const sent: ProviderRequest[] = [];
  const provider: ProviderClient = {
    complete: async (request) => {
      sent.push(request);
      return { text: '<summary>ok</summary>', finishReason: 'stop' };
    },
  };
  return { sent, gateway: createGateway({ db: database.db, prompts: testPrompts(), provider }) };
}

it('sends the first 4 stop strings with use_stop, none without, and the sampling and endpoint asked for', async () => {
  const { sent, gateway } = recorder();
  try {
    const sampling = { maxTokens: 77, temperature: 0.3, topP: 0.9, stop: STOPS };
    await gateway
      .forStage(binding('http://x/v1', { runId: 'r1' }))
      .call(summaryCall('A.', { sampling, model: 'large' }));
    await gateway
      .forStage(binding('http://x/v1', { runId: 'r1', useStop: false }))
      .call(summaryCall('A.', { sampling }));
    expect(sent[0]).toMatchObject({
      stop: ['### Response', '[INST]', '<|eot_id|>', '</s>'],
      maxTokens: 77,
      temperature: 0.3,
      topP: 0.9,
      promptId: 'llm-test/summary',
      endpoint: { model: 'fake-large' },
    });
    expect(sent[1]?.stop).toBeUndefined();
    expect(sent[1]?.endpoint.model).toBe('fake-model');
    // The per-call timeout grows with max_tokens (30 s + 60 ms per token by default).
    expect(sent[0]?.timeoutMs).toBe(30_000 + 77 * 60);
  } finally {
    await gateway.close();
  }
});

it('drops an item whose request the provider rejects (400), without retrying', async () => {
  await fake.setOptions({ script: ['400'] });
  const gateway = createGateway({ db: database.db, prompts: testPrompts() });
  try {
    const result = await gateway.forStage(binding(fake.url, { runId: 'r2' })).call(summaryCall('B.'));
    expect(result).toEqual({ ok: false, reason: 'the provider rejected the request: HTTP 400' });
  } finally {
    await gateway.close();
  }
});

it('throws on a refusal (401: bad key), a configuration fault no retry can fix', async () => {
  await fake.setOptions({ script: ['401'] });
  const gateway = createGateway({ db: database.db, prompts: testPrompts() });
  try {
    const call = gateway.forStage(binding(fake.url, { runId: 'r3' })).call(summaryCall('C.'));
    await expect(call).rejects.toThrow(LlmProviderError);
    await expect(call).rejects.toThrow(/refused .*HTTP 401/);
  } finally {
    await gateway.close();
  }
});

it('refuses endpoints that are not OpenAI-compatible', async () => {
  const { gateway } = recorder();
  try {
    const b = binding('http://x/v1');
    expect(() =>
      gateway.forStage({ ...b, endpoints: { ...b.endpoints, small: { ...b.endpoints.small, mode: 'cohere' } } }),
    ).toThrow(/mode "cohere" is not supported/);
  } finally {
    await gateway.close();
  }
});
