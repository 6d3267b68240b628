/**
 * The whole composition end to end, through the REST API, against the fake LLM and a fake Hugging Face Hub serving
 * two generic datasets — the shared corpus's ShareGPT sample as JSON Lines and a Parquet one: every folder of the
 * original's output tree (blueprint §4) that the composition keeps, the generic mix drawn to its token targets with
 * its context placed and the shared instruction once, both Axolotl configs' keys and dataset types checked against
 * §8, and a second identical run that downloads nothing and calls no LLM, with identical outputs.
 */
import { readFileSync } from 'node:fs';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { defaultTokenizer } from '../../../src/ingest/tokenizer.ts';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { AXOLOTL_BASE_KEYS } from '../../support/axolotl-fields.ts';
import { corpusAvailable, corpusPath } from '../../support/corpus.ts';
import { expectLedger } from '../../support/ledger.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd as runOf } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

type Turn = { from: string; value: string };
type Run = {
  status: string;
  error: string | null;
  stages: Array<{
    name: string;
    state: string;
    items: { total: number; done: number; dropped: number; failed: number };
  }>;
};

const GRABBAG = 'Augmentoolkit/generic-sft-grabbag-small';
const PARQUET = 'demo/parquet-chat';
const MINIMUM = 6000;

/** The corpus sample when the shared corpus is beside the checkout, else conversations of our own. */
const grabbag = corpusAvailable
  ? readFileSync(corpusPath('generic-sft/sharegpt-grabbag-small.jsonl'))
  : Buffer.from(
      Array.from({ length: 200 }, (_, i) =>
        JSON.stringify({
          conversations: [
            { from: 'human', value: `How many legs do ${i + 2} spiders have together?` },
            { from: 'gpt', value: `Each spider has eight legs, so ${i + 2} spiders have ${(i + 2) * 8} legs.` },
          ],
        }),
      ).join('\n'),
    );
const parquetRows = Array.from({ length: 120 }, (_, i) => [
  { role: 'user', content: `Name a prime number larger than ${i * 7}.` },
  {
    role: 'assistant',
    content: `One prime larger than ${i * 7} is the next one after it you can find by trial division.`,
  },
]);

const orchard =
  'The orchard cooperative grades apples by size and colour. Class one apples go to the market on Mondays, and the ' +
  'rest are pressed into juice before the market opens.\n\nMembers share the cold store, which keeps apples fresh ' +
  'until spring when its humidity stays above ninety percent.';
const harbour =
  'The harbour office assigns berths by length. Boats under twelve metres use the inner pontoons, and larger ones ' +
  'moor at the outer wall, where the water stays deep at low tide.';

let t: TestService;
let llm: FakeLlm;
let hub: FakeHub;
let projectId: string;
let configId: string;
let first: { id: string; run: Run };
let second: { id: string; run: Run };
const downloads: number[] = [];
const llmRequests: number[] = [];

const runToEnd = () => runOf<Run>(t.client, projectId, configId);

beforeAll(async () => {
  llm = await startFakeLlm();
  hub = await startFakeHub();
  hub.putDataset(GRABBAG, { 'README.md': '# sample', 'sharegpt-grabbag-small.jsonl': grabbag });
  hub.putDataset(PARQUET, {
    'data/train-00000-of-00001.parquet': new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: 'messages', data: parquetRows }] }),
    ),
  });
  t = await startTestService({ settings: { huggingfaceHubUrl: hub.url } });
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'full' } })).data?.id as string;
  for (const [name, text] of [
    ['orchard', orchard],
    ['harbour', harbour],
  ] as const) {
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name, settings: { variation_generation_counts: 1, factual_gen_use_subset: false } },
    });
    await upload(t.baseUrl, source.data?.id as string, [{ name: `${name}.txt`, data: text }]);
  }
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, {
      factualChunkSize: 60,
      finalDatasaving: [
        '  template: chatml',
        '  generic_dataset_paths:',
        `    - path: ${GRABBAG}`,
        "      context_to_add: 'You are an expert in {context}.'",
        '      context_to_add_type: system',
        `    - path: ${PARQUET}`,
        '      context_to_add: ROLEPLAY MODE ON.',
        '      context_to_add_type: human',
        '  generic_dataset_percentages: [60, 40]',
        `  minimum_generic_sft: ${MINIMUM}`,
        '  max_samples_per_dataset: 300',
      ],
    }),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  configId = ((await config.json()) as { id: string }).id;
  first = await runToEnd();
  downloads.push(hub.counters().downloads);
  llmRequests.push((await llm.counters()).requests);
  second = await runToEnd();
  downloads.push(hub.counters().downloads);
  llmRequests.push((await llm.counters()).requests);
}, 300_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
  await hub?.close();
});

const artifact = async (runId: string, path: string) => {
  const res = await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/${path}`);
  expect(res.status, path).toBe(200);
  return res.text();
};
const paths = async (runId: string) => {
  const res = await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts?limit=1000`);
  return ((await res.json()) as { items: Array<{ path: string }> }).items.map((i) => i.path);
};
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('the full composition', () => {
  it('runs every stage, the generic datasets included', () => {
    expect(first.run.status, first.run.error ?? '').toBe('succeeded');
    for (const s of first.run.stages) expect(s.state, s.name).toBe('succeeded');
    expect(first.run.stages.map((s) => s.name)).toContain('generic_sft');
  });

  it('keeps its ledger: items add up per stage, and every file holds the records its listing says', async () => {
    await expectLedger(t.baseUrl, first.id, first.run);
  });

  it('writes every folder of the original output tree that the composition keeps', async () => {
    const tree = await paths(first.id);
    const folders = new Set(tree.map((p) => p.split('/')[0]));
    for (const source of ['orchard', 'harbour']) {
      for (const folder of [
        `representation_variation_${source}`,
        `inferred_facts_${source}`,
        `rag_data_${source}`,
        `corrections_${source}`,
        ...['openended', 'hallucination', 'negative', 'vague', 'followup'].map((w) => `factual_sft_${source}_${w}_0`),
      ]) {
        expect(folders, folder).toContain(folder);
      }
    }
    for (const folder of [
      'extracted_text',
      'transformed_generic_data_0',
      'generic_sft',
      'pretraining_run',
      'sft_run',
      'rag_source_data',
    ]) {
      expect(folders, folder).toContain(folder);
    }
    const sft = tree.filter((p) => p.startsWith('sft_run/')).map((p) => p.slice('sft_run/'.length));
    expect(sft.filter((p) => p.startsWith('generic_sft_completion/'))).toHaveLength(2);
    expect(sft).toEqual(
      expect.arrayContaining([
        'combined_factual_data/combined_all_0.jsonl',
        'factual_sft_completion/combined_all_0.jsonl',
        'axolotl_rag_conversations_orchard.jsonl',
        'axolotl_correction_conversations_harbour.json',
        'sft_training_config.yaml',
      ]),
    );
    expect(sft.some((p) => /^pretraining_subset_\d+\.jsonl$/.test(p))).toBe(true);
  });

  it('mixes each generic dataset to its token target, context placed, the shared instruction once', async () => {
    const tree = await paths(first.id);
    const count = (text: string) => defaultTokenizer().count(text);
    const domain = jsonLines(await artifact(first.id, 'sft_run/factual_sft_completion/combined_all_0.jsonl')).reduce(
      (sum: number, line: { text: string }) => sum + count(line.text),
      0,
    );
    for (const [repo, percent, rows] of [
      [GRABBAG, 60, undefined],
      [PARQUET, 40, parquetRows.length],
    ] as const) {
      const target = Math.floor((Math.max(domain, MINIMUM) * percent) / 100);
      const name = `${repo.replace('/', '-')}_${target}.jsonl`;
      expect(tree, name).toContain(`generic_sft/${name}`);
      const conversations = jsonLines(await artifact(first.id, `generic_sft/${name}`)) as Array<{
        conversations: Turn[];
      }>;
      const tokens = conversations.reduce(
        (sum, c) => sum + c.conversations.reduce((s, turn) => s + count(turn.value), 0),
        0,
      );
      // At the target, or every kept row when the dataset is smaller (instructions add a little on top).
      if (rows === undefined || conversations.length < rows) expect(tokens).toBeGreaterThanOrEqual(target);
      for (const { conversations: turns } of conversations) {
        const [system, ...rest] = turns;
        expect(system?.from).toBe('system');
        expect(system?.value.split('You are an expert in').length ?? 0).toBeLessThanOrEqual(2);
        if (repo === GRABBAG) expect(system?.value).toContain('You are an expert in US Army field manuals.');
        else expect(rest.find((turn) => turn.from === 'human')?.value.startsWith('ROLEPLAY MODE ON. ')).toBe(true);
        expect(turns.some((turn) => turn.value.includes('{context}'))).toBe(false);
      }
      const rendered = jsonLines(await artifact(first.id, `sft_run/generic_sft_completion/${name}`)) as Array<{
        text: string;
      }>;
      expect(rendered).toHaveLength(conversations.length);
      for (const { text } of rendered) expect(text.startsWith('<|im_start|>system\n')).toBe(true);
    }
  });

  it('writes both Axolotl configs with the §8 keys, each dataset typed by its file pattern', async () => {
    const pretraining = parseYaml(await artifact(first.id, 'pretraining_run/axolotl_pretraining_config.yaml'));
    const sft = parseYaml(await artifact(first.id, 'sft_run/sft_training_config.yaml'));
    // §8.1: the base keys in order, then the W&B keys when a project is set and the hub keys when a model id is.
    const keysOf = (config: Record<string, unknown>) => [
      ...AXOLOTL_BASE_KEYS.map(([key]) => key),
      ...(config.wandb_project
        ? ['wandb_project', 'wandb_entity', 'wandb_watch', 'wandb_run_id', 'wandb_log_model']
        : []),
      ...(config.hub_model_id ? ['hub_model_id', 'hub_strategy'] : []),
    ];
    expect(Object.keys(pretraining)).toEqual(keysOf(pretraining));
    expect(Object.keys(sft)).toEqual(keysOf(sft));
    expect(sft.num_epochs).toBe(5);
    expect(sft.dataset_prepared_path).toBe('last_finetune_prepared');
    expect(sft.output_dir).toBe('./finetune-model-output');
    for (const d of pretraining.datasets as Array<{ path: string; type: string }>) expect(d.type).toBe('completion');
    const typeOf = (path: string) =>
      /^axolotl_(rag|correction)_conversations/.test(path) ? 'input_output' : 'completion';
    const listed = sft.datasets as Array<{ path: string; type: string }>;
    for (const d of listed) expect(d.type, d.path).toBe(typeOf(d.path));
    const tree = (await paths(first.id)).filter((p) => p.startsWith('sft_run/') && !p.endsWith('.yaml'));
    const nonEmpty = [];
    for (const p of tree.filter((p) => !p.startsWith('sft_run/combined_factual_data/'))) {
      if ((await artifact(first.id, p)).trim() !== '' && (await artifact(first.id, p)).trim() !== '[]')
        nonEmpty.push(p);
    }
    expect(listed.map((d) => `sft_run/${d.path}`).sort()).toEqual(nonEmpty.sort());
  });

  it('downloads nothing and calls no LLM when the same config runs again, and writes the same files', async () => {
    expect(second.run.status, second.run.error ?? '').toBe('succeeded');
    expect(downloads[1]).toBe(downloads[0]);
    expect(llmRequests[1]).toBe(llmRequests[0]);
    const tree = await paths(first.id);
    expect(await paths(second.id)).toEqual(tree);
    for (const p of tree.filter((p) => p.startsWith('sft_run/') || p.startsWith('generic_sft/'))) {
      expect(await artifact(second.id, p), p).toBe(await artifact(first.id, p));
    }
  });
});
