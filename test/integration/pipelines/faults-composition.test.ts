/**
 * The whole composition under a provider that misbehaves as issue #17 describes: 20 % of requests answered 429, 5 %
 * 500, 5 % malformed, 2 % never answered. The run completes; hung calls are abandoned at the first-token timeout
 * (here 1 s) and retried, 429s and 500s are retried, malformed answers are asked again; every loss is counted with
 * its reason, and every stage's items add up (planned = done + dropped + failed), as do its files' record counts.
 * The full figures at 300 ms latency are `npm run bench -- faults`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { harbourSections, orchardSections } from '../../support/documents.ts';
import { expectLedger } from '../../support/ledger.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { createConfig, projectWithSources } from '../../support/projects.ts';
import { runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';

type Run = {
  status: string;
  error: string | null;
  outcome: { kind: string; dropped: number; failed: number } | null;
  stages: Array<{
    name: string;
    state: string;
    items: { total: number; done: number; dropped: number; failed: number; pending: number };
    reasons: Record<string, number>;
    llm: { calls: number; failed_calls: number };
  }>;
};

const texts = { orchard: orchardSections(6), harbour: harbourSections(6, 'Rule') };

let t: TestService;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await startFakeLlm({
    latencyMs: { min: 5, max: 40 },
    seed: 'c',
    rateLimitRate: 0.2,
    retryAfterSeconds: 0,
    serverErrorRate: 0.05,
    malformedRate: 0.05,
    hangRate: 0.02,
    // The first request hangs whatever the draws say, so a hang is always met.
    script: ['hang'],
  });
  t = await startTestService({ settings: { llmFirstTokenTimeoutMs: 1000 } });
});

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('the full composition under faults', () => {
  it('completes with every loss counted and every stage adding up', async () => {
    const projectId = await projectWithSources(t, 'faults', texts, {
      variation_generation_counts: 1,
      factual_gen_use_subset: false,
    });
    const configId = await createConfig(
      t,
      projectId,
      pretrainingConfigYaml(llm.url, { factualChunkSize: 120, repvarChunkSize: 120, concurrency: 16 }),
    );

    const { id, run } = await runToEnd<Run>(t.client, projectId, configId);
    expect(run.status, run.error ?? '').toMatch(/^succeeded/);
    const byStatus = (await llm.counters()).byStatus;
    // The faults happened: 429s, 500s and hangs were all met and survived.
    expect(byStatus['429'] ?? 0).toBeGreaterThan(0);
    expect(byStatus['500'] ?? 0).toBeGreaterThan(0);
    expect(byStatus.hang ?? 0).toBeGreaterThan(0);

    await expectLedger(t.baseUrl, id, run);
    for (const stage of run.stages) {
      expect(stage.items.pending, stage.name).toBe(0);
      // Every lost item is counted under a reason.
      const itemReasons = Object.entries(stage.reasons)
        .filter(([reason]) => !reason.startsWith('llm '))
        .reduce((n, [, count]) => n + count, 0);
      expect(itemReasons, stage.name).toBe(stage.items.dropped + stage.items.failed);
    }
    const lost = run.stages.reduce((n, s) => n + s.items.dropped + s.items.failed, 0);
    expect((run.outcome?.dropped ?? 0) + (run.outcome?.failed ?? 0)).toBe(lost);
    // Provider faults are recorded as failed calls with their reasons.
    const failedCalls = run.stages.reduce((n, s) => n + s.llm.failed_calls, 0);
    expect(failedCalls).toBeGreaterThan(0);
    const reasons = run.stages.flatMap((s) => Object.keys(s.reasons));
    expect(reasons.some((r) => r.includes('HTTP 429'))).toBe(true);
    expect(reasons.some((r) => r.includes('no answer within 1000 ms'))).toBe(true);
  }, 240_000);
});
