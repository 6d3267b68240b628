/**
 * Factual SFT end to end, through the REST API against the fake LLM: the default five ways, two generations, the
 * negative way single-source with its question check on. Checks the original's folders and record shapes (ShareGPT
 * roles in order, system first, no empty turns, no leaked instruction phrases), the Sources Used lines, the
 * per-way counts on the run's status, one judgement per chunk shared by every way and generation, and that a re-run
 * of the same config makes no new LLM request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd as runOf } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

const WAYS = ['openended', 'hallucination', 'negative', 'vague', 'followup'];
const GENERATIONS = 2;

const ferries =
  'The river ferry authority runs four crossings between the north and south piers. Each ferry carries forty ' +
  'passengers and six cars, and crossings leave every twenty minutes from six in the morning.\n\n' +
  'In high water the authority suspends the car deck and carries foot passengers only, because the ramps cannot ' +
  'reach the piers safely when the river rises above the second marker.';
const observatory =
  'The mountain observatory opens its dome to visitors on the first Friday of each month. Guides explain the ' +
  'refracting telescope, which was installed in 1911 and still tracks the sky with its original clockwork drive.\n\n' +
  'Visitors must book in advance, because the dome holds only twenty people and the road closes after dark.';

type Run = {
  status: string;
  error: string | null;
  stages: Array<{ name: string; state: string; items: Record<string, number>; reasons: Record<string, number> }>;
};

let t: TestService;
let llm: FakeLlm;
let projectId: string;
let configId: string;
let run: Run;
let runId: string;

const runToEnd = () => runOf<Run>(t.client, projectId, configId);

beforeAll(async () => {
  llm = await startFakeLlm();
  t = await startTestService();
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'factual' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'docs', settings: { variation_generation_counts: 1, factual_gen_use_subset: false } },
  });
  await upload(t.baseUrl, source.data?.id as string, [
    { name: 'ferries.txt', data: ferries },
    { name: 'observatory.txt', data: observatory },
  ]);
  const ways = WAYS.flatMap((way) =>
    way === 'negative'
      ? ['  negative:', '    multi_source: false', '    skip_question_check: false']
      : [`  ${way}: {}`],
  );
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, { generations: GENERATIONS, factualChunkSize: 40, factualWays: ways }),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  configId = ((await config.json()) as { id: string }).id;
  ({ id: runId, run } = await runToEnd());
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

const artifact = async (path: string) => {
  const res = await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/${path}`);
  return { status: res.status, text: await res.text() };
};
const stage = (name: string) => run.stages.find((s) => s.name === name);

describe('factual SFT against the fake LLM', () => {
  it('runs every way of every generation, each with its own counts', () => {
    expect(run.status, run.error ?? '').toBe('succeeded');
    for (let i = 0; i < GENERATIONS; i++) {
      for (const way of WAYS) {
        const s = stage(`factual_sft/${way}/${i}`);
        expect(s?.state, `${way}/${i}`).toBe('succeeded');
        expect(s?.items.total, `${way}/${i}`).toBeGreaterThanOrEqual(4);
        expect(s?.items.done, `${way}/${i}`).toBe(s?.items.total);
      }
    }
  });

  it('writes the original’s folders with ShareGPT conversations in order, system first, no empty or leaked turns', async () => {
    for (let i = 0; i < GENERATIONS; i++) {
      for (const way of WAYS) {
        const folder = `factual_sft_docs_${way}_${i}`;
        const plain = await artifact(`${folder}/plain_qa_list.jsonl`);
        expect(plain.status, folder).toBe(200);
        const conversations = plain.text
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { conversations: Array<{ from: string; value: string }> }).conversations);
        expect(conversations.length, folder).toBeGreaterThan(0);
        for (const turns of conversations) {
          expect(turns[0]?.from).toBe('system');
          for (const [n, turn] of turns.slice(1).entries()) expect(turn.from).toBe(n % 2 === 0 ? 'human' : 'gpt');
          expect(turns.length % 2).toBe(1);
          for (const turn of turns) {
            expect(turn.value.trim(), folder).not.toBe('');
            expect(turn.value).not.toMatch(/\*\*(QUESTION|ANSWER)|\{context|\{\{/);
          }
          for (const turn of turns.filter((x) => x.from === 'gpt')) {
            expect(turn.value).toMatch(/^Thought Process:/);
            expect(turn.value).toMatch(/\n\nSources Used:\n(- (ferries|observatory)\.txt\n?)+$/);
          }
        }
        const questions = JSON.parse((await artifact(`${folder}/factual_questions.json`)).text) as Record<
          string,
          { question: string; answer: string; qa_tuples: object; related_chunks: unknown[] }
        >;
        const records = Object.values(questions);
        expect(records.length, folder).toBeGreaterThan(0);
        for (const record of records) expect(record).toMatchObject({ qa_tuples: { question: record.question } });
        // Ways shown no related texts (follow-up, single-source) have none recorded and cite only their own source.
        if (way === 'followup' || way === 'negative') {
          for (const record of records) expect(record.related_chunks).toEqual([]);
        }
      }
    }
  });

  it('makes the follow-up way multi-turn', async () => {
    const plain = await artifact('factual_sft_docs_followup_0/plain_qa_list.jsonl');
    const first = JSON.parse(plain.text.split('\n')[0] as string) as { conversations: unknown[] };
    expect(first.conversations.length).toBeGreaterThanOrEqual(7);
  });

  it('judges each chunk once for every way and generation, and validates the single-source way', async () => {
    const counters = await llm.counters();
    const chunks = stage('factual_sft/openended/0')?.items.total ?? 0;
    // The correction stage judges its own (larger) chunks with the same prompt.
    const corrections = stage('correction')?.items.total ?? 0;
    expect(counters.byPromptId['factual-sft/judge']).toBe(chunks + corrections);
    expect(counters.byPromptId['factual-sft/qa-generation']).toBe(chunks * WAYS.length * GENERATIONS);
    // One check per distinct (chunk, pair): the fake answers every generation alike, so the second is a cache hit.
    expect(counters.byPromptId['factual-sft/check-question']).toBe(chunks);
  });

  it('rewrites the thought process of every answer of each generation, keeping the visible answers', async () => {
    for (let i = 0; i < GENERATIONS; i++) {
      const rewrite = stage(`thought_rewrite/${i}`);
      expect(rewrite?.state).toBe('succeeded');
      const pairs = await Promise.all(
        WAYS.map(async (way) => {
          const text = (await artifact(`factual_sft_docs_${way}_${i}/plain_qa_list.jsonl`)).text.trim();
          return text
            .split('\n')
            .flatMap((line) => JSON.parse(line).conversations.filter((t: { from: string }) => t.from === 'gpt'));
        }),
      );
      expect(rewrite?.items.total).toBe(pairs.flat().length);
      const out = (await artifact(`transformed_generic_data_${i}/final_total_output.jsonl`)).text.trim().split('\n');
      const answers = out.flatMap((line) =>
        (JSON.parse(line) as { conversations: Array<{ from: string; value: string }> }).conversations.filter(
          (t) => t.from === 'gpt',
        ),
      );
      expect(answers).toHaveLength(pairs.flat().length);
      for (const answer of answers)
        expect(answer.value).toMatch(/^Thought Process:\n[\s\S]+\n\nAnswer:\n[\s\S]+Sources Used:/);
    }
  });

  it('assembles sft_run/: combined conversations per generation, their completion text, and the SFT config', async () => {
    const config = parseYaml((await artifact('sft_run/sft_training_config.yaml')).text) as {
      datasets: Array<{ path: string; type: string }>;
      base_model: string;
      num_epochs: number;
      dataset_prepared_path: string;
    };
    const types = Object.fromEntries(config.datasets.map((d) => [d.path, d.type]));
    for (let i = 0; i < GENERATIONS; i++) {
      expect(types[`factual_sft_completion/combined_all_${i}.jsonl`]).toBe('completion');
      const combined = (await artifact(`sft_run/combined_factual_data/combined_all_${i}.jsonl`)).text
        .trim()
        .split('\n');
      const completion = (await artifact(`sft_run/factual_sft_completion/combined_all_${i}.jsonl`)).text
        .trim()
        .split('\n');
      expect(completion.length).toBe(combined.length);
      for (const line of combined) {
        const turns = (JSON.parse(line) as { conversations: Array<{ from: string; value: string }> }).conversations;
        // The shared instruction opens every conversation, its placeholders filled.
        expect(turns[0]?.from).toBe('system');
        expect(turns[0]?.value).not.toMatch(/\{context/);
        expect(turns.filter((t) => t.from === 'system')).toHaveLength(1);
        expect(turns.filter((t) => t.from === 'gpt').length).toBeGreaterThanOrEqual(1);
      }
      for (const line of completion)
        expect((JSON.parse(line) as { text: string }).text).toMatch(/^Instruction: [\s\S]+ \*\*Finished\.\*\*$/);
    }
    expect(types['axolotl_rag_conversations_docs.jsonl']).toBe('input_output');
    expect(types['axolotl_correction_conversations_docs.json']).toBe('input_output');
    expect(config).toMatchObject({ num_epochs: 5, dataset_prepared_path: 'last_finetune_prepared' });
    // The pretraining slice: both documents (far under the 2M-token minimum), listed as completion data.
    const slice = config.datasets.find((d) => d.path.startsWith('pretraining_subset_'));
    expect(slice?.type).toBe('completion');
    expect((await artifact(`sft_run/${slice?.path}`)).text.trim().split('\n')).toHaveLength(2);
    // RAG source data: every question of the ways not marked not_in_rag_data (hallucination is), per source.
    const ragSource = (await artifact('rag_source_data/rag_data_docs.jsonl')).text.trim().split('\n');
    const expected = WAYS.filter((w) => w !== 'hallucination').length;
    expect(ragSource.length).toBeGreaterThanOrEqual(expected * GENERATIONS);
    expect(JSON.parse(ragSource[0] as string)).toMatchObject({
      question: expect.any(String),
      source_metadata: expect.stringMatching(/\.txt$/),
    });
    expect((await artifact('rag_source_data/rag_data_combined.jsonl')).text.trim().split('\n')).toHaveLength(
      ragSource.length,
    );
  });

  it('makes no new LLM request when the same config runs again', async () => {
    const before = (await llm.counters()).requests;
    const again = await runToEnd();
    expect(again.run.status).toBe('succeeded');
    expect((await llm.counters()).requests).toBe(before);
  });
});
