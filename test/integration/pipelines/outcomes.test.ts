/**
 * Honest outcomes, through the REST API against the fake LLM: a run whose judge rejects every chunk fails with
 * `no_output`, naming the stage, before the stages after it call the model; a run with about 10 % of its chunks
 * unanswerable ends `succeeded_with_drops` with exact counts; the status, the run list and the end event agree.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { expectLedger } from '../../support/ledger.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { eventItems } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

const MARKER = 'ZZUNANSWERABLEZZ';
const paragraphs = (n: number, marked: number[] = []) =>
  Array.from(
    { length: n },
    (_, i) =>
      `Paragraph ${i + 1} explains drill ${i + 1}: crews rehearse step ${i + 1} of the recovery procedure twice ` +
      `before dawn and log the time taken${marked.includes(i) ? ` ${MARKER}` : ''}.`,
  ).join('\n\n');

let t: TestService;
let llm: FakeLlm;

type Run = {
  id: string;
  status: string;
  error: string | null;
  outcome: {
    kind: string;
    planned: number;
    dropped: number;
    failed: number;
    top_reasons: Array<{ reason: string; count: number }>;
    stage: string | null;
    advice: string | null;
  } | null;
  stages: Array<{
    name: string;
    state: string;
    items: { total: number; pending: number; done: number; dropped: number; failed: number; not_processed: number };
  }>;
};

/** A run over one source per document (`drills`, or the given names). */
async function runOf(documents: string | Record<string, string>, config: (url: string) => string): Promise<Run> {
  const projectId = (await t.client.POST('/v1/projects', { body: { name: 'outcomes' } })).data?.id as string;
  const settings = {
    variation_generation_counts: 1,
    factual_gen_use_subset: false,
    rag_use_subset: false,
    correction_use_subset: false,
  };
  for (const [name, text] of Object.entries(typeof documents === 'string' ? { drills: documents } : documents)) {
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name, settings },
    });
    await upload(t.baseUrl, source.data?.id as string, [{ name: `${name}.txt`, data: text }]);
  }
  const posted = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: config(llm.url),
  });
  expect(posted.status, await posted.clone().text()).toBe(201);
  const configId = ((await posted.json()) as { id: string }).id;
  const created = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  const id = created.data?.id as string;
  return waitFor(
    async () => {
      const r = await t.client.GET('/v1/runs/{id}', { params: { path: { id } } });
      return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? (r.data as unknown as Run) : undefined;
    },
    { what: 'the run to finish', timeoutMs: 120_000 },
  );
}

beforeAll(async () => {
  llm = await startFakeLlm({
    malformedMarker: MARKER,
    answers: [
      { promptId: 'factual-sft/judge', answer: 'A list of drill numbers with nothing to learn.\nVerdict: UNSUITABLE' },
    ],
  });
  t = await startTestService();
});
afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('honest outcomes', () => {
  it('fails with no_output when every chunk is judged unsuitable, before the next stage calls the model', async () => {
    const run = await runOf(paragraphs(4), (url) => pretrainingConfigYaml(url, { factualChunkSize: 60 }));
    expect(run.status).toBe('failed');
    expect(run.outcome).toMatchObject({
      kind: 'no_output',
      stage: expect.stringMatching(/^(factual_sft\/|correction)/),
    });
    expect(run.outcome?.advice).toBeTruthy();
    expect(run.outcome?.top_reasons[0]?.reason).toMatch(/judged unsuitable/);
    expect(run.error).toMatch(/no_output: stage .* produced no output: all \d+ items were dropped or failed/);
    // The thought-process rewrite reads the factual stages: it never started, so it never called the model.
    expect(run.stages.find((s) => s.name === 'thought_rewrite/0')?.state).toBe('pending');
    expect((await llm.counters()).byPromptId['thought-rewrite/thought-process']).toBeUndefined();
    // The same outcome in the run list and the end event.
    const list = await t.client.GET('/v1/projects/{id}/runs', {
      params: {
        path: {
          id: (await t.client.GET('/v1/runs/{id}', { params: { path: { id: run.id } } })).data?.project_id as string,
        },
      },
    });
    expect(list.data?.items[0]?.outcome).toEqual(run.outcome);
    const events = await t.client.GET('/v1/runs/{id}/events', { params: { path: { id: run.id }, query: {} } });
    const end = eventItems(events.data).find((e) => e.type === 'run.failed');
    expect(end?.data.outcome).toEqual(run.outcome);
  });

  it('stops a stage early once its losses decide it, without paying for the rest of its items', async () => {
    await llm.setOptions({ latencyMs: 150 });
    const judged = async () => (await llm.counters()).byPromptId['factual-sft/judge'] ?? 0;
    const before = await judged();
    // Its own wording: the LLM cache is shared, and later tests must not find these judgements in it.
    const run = await runOf(paragraphs(30).replaceAll('crews rehearse', 'teams practise'), (url) =>
      pretrainingConfigYaml(url, {
        factualChunkSize: 40,
        concurrency: 1,
        factualWays: ['  openended: {}'],
        extra: ['max_drop_fraction: 0.5'],
      }).replace('correction_pipeline:\n', 'correction_pipeline:\n  correction_chunk_size: 40\n'),
    );
    await llm.setOptions({ latencyMs: 0 });
    // The factual and correction stages both judge each chunk; whichever passes the fraction first stops the run.
    expect(run.status).toBe('failed');
    expect(run.outcome).toMatchObject({ kind: 'no_output', stage: expect.stringMatching(/^(factual_sft|correction)/) });
    expect(run.error).toMatch(/stopped early, \d+ items not processed/);
    const stopped = run.stages.find((s) => s.name === run.outcome?.stage);
    expect(stopped?.items.total).toBeGreaterThanOrEqual(20);
    // Never processed: the failed run says so instead of calling them pending.
    expect(stopped?.items.not_processed).toBeGreaterThan(0);
    expect(stopped?.items.pending).toBe(0);
    const judging = run.stages.filter((s) => /^(factual_sft|correction)/.test(s.name));
    expect((await judged()) - before).toBeLessThan(judging.reduce((n, s) => n + s.items.total, 0));
  });

  it('ends succeeded_with_drops with exact counts when about 10 % of the chunks cannot be answered', async () => {
    await llm.setOptions({ answers: [] });
    const run = await runOf(paragraphs(10, [3]), (url) =>
      pretrainingConfigYaml(url, { factualWays: [], repvarChunkSize: 40, factualChunkSize: 40 })
        .replace('rag_data:\n', 'rag_data:\n  rag_max_chunks: 1\n  rag_failure_percentage: 0\n')
        .replace('correction_pipeline:\n', 'correction_pipeline:\n  correction_chunk_size: 40\n'),
    );
    expect(run.status, run.error ?? '').toBe('succeeded_with_drops');
    const planned = run.stages.reduce((n, s) => n + (s.items.total ?? 0), 0);
    const dropped = run.stages.reduce((n, s) => n + (s.items.dropped ?? 0), 0);
    expect(run.outcome).toMatchObject({ kind: 'with_drops', planned, dropped, failed: 0, stage: null });
    expect(dropped).toBeGreaterThanOrEqual(4);
    // Every stage's items add up, and every file holds the records its listing says.
    await expectLedger(t.baseUrl, run.id, run);
  });

  it('leaves an empty dataset out of the Axolotl config and says so', async () => {
    await llm.setOptions({ answers: [] });
    const run = await runOf({ marked: paragraphs(2, [0, 1]), clean: paragraphs(8) }, (url) =>
      pretrainingConfigYaml(url, { factualWays: [], repvarChunkSize: 40, factualChunkSize: 40 })
        .replace('rag_data:\n', 'rag_data:\n  rag_max_chunks: 1\n  rag_failure_percentage: 0\n')
        .replace('correction_pipeline:\n', 'correction_pipeline:\n  correction_chunk_size: 40\n'),
    );
    expect(run.status, run.error ?? '').toBe('succeeded_with_drops');
    const config = await (
      await fetch(`${t.baseUrl}/v1/runs/${run.id}/artifacts/pretraining_run/axolotl_pretraining_config.yaml`)
    ).text();
    expect(config).toMatch(/^# left out of datasets: representation_variation_marked\.jsonl \(empty/m);
    expect(config).not.toMatch(/path: representation_variation_marked\.jsonl/);
    expect(config).toMatch(/path: representation_variation_clean\.jsonl/);
  });
});
