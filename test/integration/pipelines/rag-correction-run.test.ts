/**
 * RAG-usage and correction data end to end, through the REST API against the fake LLM, with `template: chatml`:
 * two sources, one with fewer chunks than `rag_max_chunks`. Every record's segments concatenate to a ChatML
 * conversation with no ATK markers; RAG records are trained exactly on their own turns, each turn of a group in one
 * record; correction records mask exactly the flawed answer; a re-run makes no new LLM request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd as runOf } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

type Segment = { label: boolean; text: string };
type Run = {
  status: string;
  error: string | null;
  stages: Array<{ name: string; state: string; items: Record<string, number> }>;
};

const big = Array.from(
  { length: 8 },
  (_, i) =>
    `Section ${i + 1}. The orchard cooperative grades apples in class ${i + 1} by size and colour, and presses the ` +
    `rest into juice on ${['Monday', 'Tuesday', 'Wednesday', 'Thursday'][i % 4]} mornings before the market opens.`,
).join('\n\n');
const tiny = 'The lighthouse trust repaints the tower every seven years, always in the original red and white bands.';

let t: TestService;
let llm: FakeLlm;
let projectId: string;
let configId: string;
let runId: string;
let run: Run;

const runToEnd = () => runOf<Run>(t.client, projectId, configId);

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService();
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'rag' } })).data?.id as string;
  const settings = { variation_generation_counts: 1, rag_use_subset: false, correction_use_subset: false };
  for (const [name, text] of [
    ['orchard', big],
    ['lighthouse', tiny],
  ] as const) {
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name, settings },
    });
    await upload(t.baseUrl, source.data?.id as string, [{ name: `${name}.txt`, data: text }]);
  }
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, {
      factualChunkSize: 40,
      factualWays: [],
      finalDatasaving: ['  template: chatml', '  generic_dataset_paths: []'],
    }).replace('correction_pipeline:\n', 'correction_pipeline:\n  correction_chunk_size: 60\n'),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  const body = (await config.json()) as { id: string; warnings: Array<{ path: string; message: string }> };
  configId = body.id;
  expect(body.warnings.map((w) => w.message).join('\n')).toMatch(/RAG records are rendered with the chatml template/);
  ({ id: runId, run } = await runToEnd());
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

const artifact = async (path: string) => (await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/${path}`)).text();
const TURN = /<\|im_start\|>(system|user|assistant)\n[\s\S]*?<\|im_end\|>\n/g;
const expectChatMl = (text: string) => {
  expect(text).not.toMatch(/\*\*Finished\.\*\*|^Human:|\nHuman:|\nAI:/);
  expect(text.replace(TURN, '')).toBe('');
};

describe('RAG and correction data with template: chatml', () => {
  it('runs both stages for both sources', () => {
    expect(run.status, run.error ?? '').toBe('succeeded');
    for (const name of ['rag_data', 'correction']) {
      const s = run.stages.find((x) => x.name === name);
      expect(s?.state, name).toBe('succeeded');
      expect(s?.items.done, name).toBeGreaterThanOrEqual(2);
    }
  });

  it('writes RAG records trained exactly on their own turns, each turn of a group trained once', async () => {
    for (const source of ['orchard', 'lighthouse']) {
      const lines = (await artifact(`rag_data_${source}/axolotl_rag_conversations.jsonl`)).trim().split('\n');
      const records = lines.map((line) => (JSON.parse(line) as { segments: Segment[] }).segments);
      expect(records.length, source).toBeGreaterThan(0);
      for (let g = 0; g < records.length; g += 3) {
        const group = records.slice(g, g + 3);
        const trainedTurns = group.flatMap((segments) =>
          segments.filter((s) => s.label).flatMap((s) => s.text.match(TURN) ?? []),
        );
        const allTurns =
          (group[0] ?? [])
            .map((s) => s.text)
            .join('')
            .match(TURN)
            ?.filter((t) => !t.startsWith('<|im_start|>system')) ?? [];
        expect(trainedTurns.length, source).toBe(allTurns.length);
        for (const segments of group) {
          const full = segments.map((s) => s.text).join('');
          expectChatMl(full);
          expect(segments[0]).toMatchObject({ label: false });
          expect(segments[0]?.text.startsWith('<|im_start|>system\n')).toBe(true);
          expect(segments[0]?.text).toMatch(/Chunk 1\nSource: /);
          for (const s of segments.filter((x) => x.label)) expect(s.text).toMatch(/^<\|im_start\|>user\n/);
        }
      }
    }
  });

  it('writes correction records as a JSON array, masking exactly the flawed answer', async () => {
    for (const source of ['orchard', 'lighthouse']) {
      const records = JSON.parse(
        await artifact(`corrections_${source}/axolotl_correction_conversations.json`),
      ) as Array<{
        segments: Segment[];
      }>;
      expect(records.length, source).toBeGreaterThan(0);
      for (const { segments } of records) {
        expect(segments.map((s) => s.label)).toEqual([true, false, true]);
        expectChatMl(segments.map((s) => s.text).join(''));
        expect(segments[0]?.text.endsWith('<|im_start|>assistant\n')).toBe(true);
        expect(segments[2]?.text.startsWith('<|im_end|>\n<|im_start|>user\n')).toBe(true);
      }
    }
  });

  it('makes no new LLM request when the same config runs again', async () => {
    const before = (await llm.counters()).requests;
    expect((await runToEnd()).run.status).toBe('succeeded');
    expect((await llm.counters()).requests).toBe(before);
  });
});
