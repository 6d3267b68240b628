/**
 * The gateway against the fake LLM and a real database (PGlite, or Postgres with DATABASE_URL): parser contract,
 * reasoning, cache, transport retries, limits, accounting.
 */
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.ts';
import { usageByStage } from '../../../src/db/queries/llm-accounting.ts';
import { DANGLING_THINK_REASON } from '../../../src/lib/reasoning.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../../../src/llm/gateway.ts';
import { LlmProviderError, type StageBinding } from '../../../src/llm/types.ts';
import { parsed } from '../../../src/pipelines/step.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { createTestDatabase } from '../../support/test-db.ts';
import { binding, summaryCall, testPrompts } from './support.ts';

let database: Database;
let fake: FakeLlm;
const prompts = testPrompts();
const gateways: Gateway[] = [];
let runCounter = 0;

beforeAll(async () => {
  [database, fake] = await Promise.all([createTestDatabase(), startFakeLlm({ latencyMs: 5 })]);
});
afterAll(async () => {
  await Promise.all([database?.close(), fake?.close()]);
});
beforeEach(async () => {
  await fake.reset();
  await fake.setOptions({ latencyMs: 5, script: [] });
});
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

function port(overrides: Partial<StageBinding> = {}, deps: Partial<GatewayDeps> = {}) {
  const gateway = createGateway({ db: database.db, prompts, retry: { baseDelayMs: 10 }, ...deps });
  gateways.push(gateway);
  const runId = `run_${++runCounter}`;
  return { llm: gateway.forStage(binding(fake.url, { runId, ...overrides })), runId };
}

describe('parser contract', () => {
  it('returns the parsed value of an answer in the format the prompt asks for', async () => {
    const { llm } = port();
    const result = await llm.call(summaryCall('Cats purr. Dogs bark! Fish swim.'));
    // The fake answers at about the length of the few-shot answer it imitates: here all three sentences.
    expect(result).toMatchObject({ ok: true, value: 'Cats purr. Dogs bark! Fish swim.' });
    expect(await fake.counters()).toMatchObject({ requests: 1, byPromptId: { 'llm-test/summary': 1 } });
  });

  it('repeats a call the parser wants retried, with the reason given to the prompt as error_message', async () => {
    await fake.setOptions({ script: ['malformed'] });
    const { llm } = port();
    const result = await llm.call(summaryCall('Owls hoot at night.'));
    expect(result).toMatchObject({
      ok: true,
      value: 'Retry note: Put the summary inside summary tags. Owls hoot at night.',
    });
    expect((await fake.counters()).requests).toBe(2);
  });

  it('gives up with the last reason after maxAttempts', async () => {
    const { llm } = port();
    const result = await llm.call(
      summaryCall('Bees buzz.', { parse: () => parsed.retry('never good'), maxAttempts: 2 }),
    );
    expect(result).toEqual({ ok: false, reason: 'never good' });
    expect((await fake.counters()).requests).toBe(2);
  });

  it('drops at once on drop(reason)', async () => {
    const { llm } = port();
    const result = await llm.call(summaryCall('Frogs croak.', { parse: () => parsed.drop('not relevant') }));
    expect(result).toEqual({ ok: false, reason: 'not relevant' });
    expect((await fake.counters()).requests).toBe(1);
  });
});

describe('reasoning', () => {
  it('strips a <think> block before parsing', async () => {
    await fake.setOptions({ script: ['think'] });
    const { llm } = port();
    const result = await llm.call(summaryCall('Wolves howl.'));
    expect(result).toMatchObject({ ok: true, value: 'Wolves howl.' });
    if (result.ok) expect(result.raw).not.toContain('think');
  });

  it('retries an answer cut off inside its <think> block', async () => {
    await fake.setOptions({ script: ['think'] });
    const { llm, runId } = port();
    const accept = (text: string) => parsed.ok(text);
    const result = await llm.call(summaryCall('Seals bark.', { parse: accept, sampling: { maxTokens: 8 } }));
    expect(result.ok).toBe(true);
    expect((await fake.counters()).requests).toBe(2);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage?.reasons).toEqual({ [`llm retry: ${DANGLING_THINK_REASON}`]: 1 });
  });
});

describe('response cache', () => {
  it('answers a second identical call from the store: 0 requests, recorded as cached with no cost', async () => {
    const { llm, runId } = port();
    const first = await llm.call(summaryCall('Horses gallop.'));
    await fake.reset();
    const second = await llm.call(summaryCall('Horses gallop.'));
    expect(second).toEqual(first);
    expect((await fake.counters()).requests).toBe(0);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage).toMatchObject({ calls: 2, cachedCalls: 1 });
  });

  it('sends identical calls made at the same time once, the others counted as cached', async () => {
    const { llm, runId } = port();
    const answers = await Promise.all([1, 2, 3].map(() => llm.call(summaryCall('Geese honk in formation.'))));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect((await fake.counters()).requests).toBe(1);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage).toMatchObject({ calls: 3, cachedCalls: 2 });
  });

  it('keeps samples, models and sampling apart', async () => {
    const { llm } = port();
    await llm.call(summaryCall('Ducks quack.'));
    await llm.call(summaryCall('Ducks quack.', { sampleIndex: 1 }));
    await llm.call(summaryCall('Ducks quack.', { model: 'large' }));
    await llm.call(summaryCall('Ducks quack.', { sampling: { maxTokens: 200, temperature: 0.1 } }));
    expect((await fake.counters()).requests).toBe(4);
  });
});

describe('transport retries', () => {
  it('honours Retry-After on a 429 and records the failure', async () => {
    await fake.setOptions({ script: ['429'], retryAfterSeconds: 1 });
    const { llm, runId } = port();
    const started = performance.now();
    const result = await llm.call(summaryCall('Geese honk.'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.ok).toBe(true);
    expect((await fake.counters()).byStatus).toEqual({ '429': 1, '200': 1 });
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage).toMatchObject({ calls: 2, failedCalls: 1, reasons: { 'llm error: HTTP 429': 1 } });
  });

  it('backs off and retries on 500', async () => {
    await fake.setOptions({ script: ['500', '500'] });
    const { llm } = port();
    expect((await llm.call(summaryCall('Cows moo.'))).ok).toBe(true);
    expect((await fake.counters()).byStatus).toEqual({ '500': 2, '200': 1 });
  });

  it('times a hanging request out (timeout sized from max_tokens) and retries it', async () => {
    await fake.setOptions({ script: ['hang'] });
    const { llm, runId } = port({}, { retry: { baseDelayMs: 10, timeoutBaseMs: 300, timeoutPerTokenMs: 1 } });
    expect((await llm.call(summaryCall('Bats squeak.'))).ok).toBe(true);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage?.reasons).toEqual({ 'llm error: timeout after 500 ms': 1 });
  });

  it('abandons a call whose answer has not begun within the first-token timeout, long before the worst case', async () => {
    await fake.setOptions({ script: ['hang'] });
    const { llm, runId } = port({}, { retry: { baseDelayMs: 10, firstTokenTimeoutMs: 200 } });
    const started = Date.now();
    expect((await llm.call(summaryCall('Owls hoot.'))).ok).toBe(true);
    // The worst-case bound of this call is 30 s + 60 ms a token; the hang cost a fifth of a second.
    expect(Date.now() - started).toBeLessThan(10_000);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage?.reasons).toEqual({ 'llm error: no answer within 200 ms': 1 });
  });

  it('abandons an answer that stops streaming, and retries it', async () => {
    await fake.setOptions({ script: ['stall'] });

    const { llm, runId } = port({}, { retry: { baseDelayMs: 10, streamIdleTimeoutMs: 200 } });
    expect((await llm.call(summaryCall('Cranes trumpet at dawn.'))).ok).toBe(true);
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage?.reasons).toEqual({ 'llm error: the answer stalled for 200 ms': 1 });
    // The streamed answer's usage is what is billed.
    expect(usage?.inputTokens).toBeGreaterThan(0);
    expect(usage?.outputTokens).toBeGreaterThan(0);
  });

  it('throws a fault after the last attempt, so the job layer retries the item later', async () => {
    await fake.setOptions({ script: ['500', '500', '500'] });
    const { llm, runId } = port({}, { retry: { baseDelayMs: 10, maxAttempts: 3 } });
    await expect(llm.call(summaryCall('Pigs oink.'))).rejects.toThrow(LlmProviderError);
    expect((await usageByStage(database.db, runId)).get('test_stage')?.failedCalls).toBe(3);
  });

  it('treats an unreachable server as a connection error', async () => {
    const gateway = createGateway({ db: database.db, prompts, retry: { baseDelayMs: 5, maxAttempts: 2 } });
    gateways.push(gateway);
    const llm = gateway.forStage(binding('http://127.0.0.1:9/v1', { runId: 'run_unreachable' }));
    await expect(llm.call(summaryCall('Mice squeak.'))).rejects.toThrow(/failed 2 times; last: .*connection error/);
  });

  it('stops waiting when the stage signal aborts', async () => {
    await fake.setOptions({ script: ['hang'] });
    const controller = new AbortController();
    const { llm } = port({ signal: controller.signal });
    const call = llm.call(summaryCall('Lions roar.'));
    await waitUntil(async () => (await fake.counters()).inFlight === 1);
    controller.abort(new Error('run canceled'));
    await expect(call).rejects.toThrow('run canceled');
  });
});

describe('limits, completion mode, accounting', () => {
  it('never exceeds the concurrency limit and fills it', async () => {
    await fake.setOptions({ latencyMs: 40 });
    const { llm } = port({ concurrencyLimit: 4 });
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => llm.call(summaryCall(`Item ${i}.`))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect((await fake.counters()).maxInFlight).toBe(4);
  });

  it('uses /completions with the .txt variant, or a transcript of the chat messages', async () => {
    const { llm } = port({ completionMode: true });
    const txt = await llm.call(summaryCall('Cats.', { parse: (t) => parsed.ok(t) }));
    expect(txt).toMatchObject({ ok: true, value: 'This is a deterministic continuation from the fake LLM.' });
    const transcript = await llm.call({
      ...summaryCall('Cats.'),
      prompt: 'llm-test/verdict',
      parse: (t) => parsed.ok(t),
    });
    expect(transcript).toMatchObject({ ok: true, value: 'Verdict: YES' });
  });

  it('sums tokens and cost per stage from the provider usage and counts metrics', async () => {
    const registry = new Registry();
    const { llm, runId } = port({}, { registry });
    await fake.setOptions({ script: ['500'] });
    await llm.call(summaryCall('Sheep bleat. Goats too.'));
    await llm.call(summaryCall('Sheep bleat. Goats too.'));
    const usage = (await usageByStage(database.db, runId)).get('test_stage');
    expect(usage).toMatchObject({ calls: 3, cachedCalls: 1, failedCalls: 1 });
    expect(usage?.inputTokens).toBeGreaterThan(50);
    expect(usage?.outputTokens).toBeGreaterThan(5);
    const expected = ((usage?.inputTokens ?? 0) * 2 + (usage?.outputTokens ?? 0) * 10) / 1e6;
    expect(usage?.cost).toBeCloseTo(expected, 12);
    const metrics = await registry.metrics();
    expect(metrics).toContain('llm_calls_total{model="fake-model",outcome="ok",cached="1"} 1');
    expect(metrics).toContain('llm_calls_total{model="fake-model",outcome="error",cached="0"} 1');
    expect(metrics).toContain(`llm_tokens_total{direction="input"} ${usage?.inputTokens}`);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
