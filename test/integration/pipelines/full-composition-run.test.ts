/**
 * The whole composition end to end, through the REST API, against the fake LLM and a fake Hugging Face Hub serving
 * two generic datasets — the shared corpus's ShareGPT sample as JSON Lines and a Parquet one: every folder of the
 * original's output tree (blueprint §4) that the composition keeps, the generic mix drawn to its token targets with
 * its context placed and the shared instruction once, both Axolotl configs' keys and dataset types checked against
 * §8, the exports for other trainers valid by their formats' rules, the dataset card without secrets, the ledger,
 * and a second identical run that downloads nothing and calls no LLM, with identical outputs.
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
import { alpacaProblems, openAiChatProblems, shareGptProblems } from '../../support/export-rules.ts';
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
/** Sent as the config's Hub token: the fake hub's datasets are public, and the card must not show it. */
const SECRET_TOKEN = 'hf_full_composition_secret';

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

const orchard = [
  'The orchard cooperative grades apples by size and colour. Class one apples go to the market on Mondays, and the ' +
    'rest are pressed into juice before the market opens.',
  'Members share the cold store, which keeps apples fresh until spring when its humidity stays above ninety percent.',
  'Pruning happens in February, when the trees are dormant and cuts heal before the sap rises in March.',
  'The cooperative pays members by weight delivered, with a bonus for class one fruit above a fixed share.',
].join('\n\n');
const harbour = [
  'The harbour office assigns berths by length. Boats under twelve metres use the inner pontoons, and larger ones ' +
    'moor at the outer wall, where the water stays deep at low tide.',
  'Visiting boats report to the office on channel twelve before entering, and pay their fee by the night.',
  'The harbour crane lifts boats up to eight tonnes out of the water for winter storage on the hard standing.',
].join('\n\n');

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
      generations: 2,
      extra: ['model_auto_train:', `  huggingface_token: ${SECRET_TOKEN}`],
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
    let domain = 0;
    for (const i of [0, 1]) {
      for (const line of jsonLines(
        await artifact(first.id, `sft_run/factual_sft_completion/combined_all_${i}.jsonl`),
      )) {
        domain += count((line as { text: string }).text);
      }
    }
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
    // A generated client encodes the `path` parameter's slashes: the same file either way.
    expect(await artifact(first.id, 'sft_run%2Fsft_training_config.yaml')).toBe(
      await artifact(first.id, 'sft_run/sft_training_config.yaml'),
    );
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
    const tree = (await paths(first.id)).filter((p) => p.startsWith('sft_run/') && /\.jsonl?$/.test(p));
    const nonEmpty = [];
    for (const p of tree.filter((p) => !p.startsWith('sft_run/combined_factual_data/'))) {
      if ((await artifact(first.id, p)).trim() !== '' && (await artifact(first.id, p)).trim() !== '[]')
        nonEmpty.push(p);
    }
    expect(listed.map((d) => `sft_run/${d.path}`).sort()).toEqual(nonEmpty.sort());
  });

  it('exports the domain conversations for other trainers, each file valid by its format', async () => {
    const shareGpt = jsonLines(await artifact(first.id, 'exports/sharegpt.jsonl'));
    const combined = [
      ...jsonLines(await artifact(first.id, 'sft_run/combined_factual_data/combined_all_0.jsonl')),
      ...jsonLines(await artifact(first.id, 'sft_run/combined_factual_data/combined_all_1.jsonl')),
    ];
    expect(shareGpt).toEqual(combined);
    for (const record of shareGpt) expect(shareGptProblems(record)).toEqual([]);
    const openAi = jsonLines(await artifact(first.id, 'exports/openai_chat.jsonl'));
    expect(openAi.length).toBe(shareGpt.length);
    expect(openAi.length).toBeGreaterThanOrEqual(10);
    for (const line of openAi) expect(openAiChatProblems(line)).toEqual([]);
    const alpaca = jsonLines(await artifact(first.id, 'exports/alpaca.jsonl'));
    const singleExchange = shareGpt.filter(
      (c: { conversations: Turn[] }) => c.conversations.filter((t) => t.from !== 'system').length === 2,
    );
    expect(alpaca).toHaveLength(singleExchange.length);
    for (const record of alpaca) expect(alpacaProblems(record)).toEqual([]);
    const info = JSON.parse(await artifact(first.id, 'exports/dataset_info.json'));
    expect(info.domain_sft_sharegpt.file_name).toBe('sharegpt.jsonl');
    if (alpaca.length > 0) expect(info.domain_sft_alpaca.file_name).toBe('alpaca.jsonl');
  });

  it('writes a dataset card with front matter, figures per file, the models and a config without secrets', async () => {
    const card = await artifact(first.id, 'sft_run/README.md');
    const front = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? '');
    expect(front.configs.map((c: { config_name: string }) => c.config_name)).toEqual(
      expect.arrayContaining(['factual_sft', 'generic_sft', 'rag', 'corrections', 'pretraining_subset']),
    );
    const listing = (await (await fetch(`${t.baseUrl}/v1/runs/${first.id}/artifacts?prefix=sft_run/`)).json()) as {
      items: Array<{ path: string; records: number | null }>;
    };
    for (const { path, records } of listing.items.filter(
      (a) => a.records !== null && !a.path.includes('combined_factual'),
    )) {
      expect(card, path).toContain(`| \`${path.slice('sft_run/'.length)}\` |`);
      expect(card, path).toMatch(
        new RegExp(
          `${path.slice('sft_run/'.length).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\| [^|]+ \\| ${records} \\|`,
        ),
      );
    }
    expect(card).toContain('fake-model');
    expect(card).toContain('| openended | 0 |');
    expect(card).not.toContain(SECRET_TOKEN);
  });

  it('downloads nothing and calls no LLM when the same config runs again, and writes the same files', async () => {
    expect(second.run.status, second.run.error ?? '').toBe('succeeded');
    expect(downloads[1]).toBe(downloads[0]);
    expect(llmRequests[1]).toBe(llmRequests[0]);
    const tree = await paths(first.id);
    expect(await paths(second.id)).toEqual(tree);
    // Everything but the card (it names its run and what this run paid) is byte-identical.
    const compared = tree.filter((p) => /^(sft_run|generic_sft|exports)\//.test(p) && p !== 'sft_run/README.md');
    for (const p of compared) {
      expect(await artifact(second.id, p), p).toBe(await artifact(first.id, p));
    }
  });
});

describe('a generic dataset the hub refuses', () => {
  it("fails the generic stage naming the dataset and the hub's reason, with no generic file written", async () => {
    const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: pretrainingConfigYaml(llm.url, {
        factualChunkSize: 60,
        factualWays: ['  openended: {}'],
        finalDatasaving: ['  generic_dataset_paths:', `    - path: ${GRABBAG}`, '    - path: org/does-not-exist'],
      }),
    });
    expect(config.status, await config.clone().text()).toBe(201);
    const { id, run } = await runOf<Run>(t.client, projectId, ((await config.json()) as { id: string }).id);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('org/does-not-exist: HTTP 404 Repository not found');
    expect(run.stages.find((s) => s.name === 'generic_sft')?.state).toBe('failed');
    expect((await paths(id)).filter((p) => p.includes('generic_sft'))).toEqual([]);
  });
});
