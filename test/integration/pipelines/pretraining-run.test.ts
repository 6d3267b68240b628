/**
 * The pretraining half end to end, through the REST API against the fake LLM: PDF cleaning (a malformed answer is
 * retried; a chunk no answer can fix is counted and keeps its text), representation variations, inferred facts,
 * and the `pretraining_run/` tree with its Axolotl config, downloadable one by one and as the bundle.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { makePdf } from '../../support/fixtures/index.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { tarEntries } from '../../support/tar.ts';
import { upload } from '../../support/upload.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from '../../support/wait.ts';

const POISON = 'ZZUNCLEANABLEZZ';

const pages = [
  'Chaplains provide religious support to soldiers of all faiths. They advise the commander on matters of religion, ' +
    'morals and morale, and they coordinate worship services in garrison and in the field.',
  'The religious support team consists of the chaplain and the religious affairs specialist. The specialist ' +
    `protects the chaplain in combat, because chaplains are noncombatants and do not carry weapons. ${POISON}`,
  'Religious support planning begins early in the military decision making process. The team estimates the needs ' +
    'of units, the availability of faith group leaders, and the time and places for services.',
];

const training =
  'Training is the foundation of readiness. Units train as they will fight, under realistic conditions, to standards ' +
  'that the commander sets.\n\nLeaders plan training eight weeks out, resource it six weeks out, and lock it in four ' +
  'weeks before execution so that soldiers and families can plan their lives.';

let t: TestService;
let llm: FakeLlm;
let runId: string;
let run: {
  status: string;
  error: string | null;
  stages: Array<{
    name: string;
    state: string;
    detail?: string | null;
    items: Record<string, number>;
    reasons: Record<string, number>;
  }>;
};

beforeAll(async () => {
  // The very first request (a PDF-cleaning call) gets an answer without the tags: the gateway must retry it.
  llm = await startFakeLlm({ script: ['malformed'], malformedMarker: POISON });
  t = await startTestService();
  const project = await t.client.POST('/v1/projects', { body: { name: 'pretraining' } });
  const projectId = project.data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'manuals', settings: { variation_generation_counts: 2 } },
  });
  expect(source.response.status).toBe(201);
  const uploaded = await upload(t.baseUrl, source.data?.id as string, [
    { name: 'religious-support.pdf', data: await makePdf(pages) },
    { name: 'training.txt', data: training },
  ]);
  expect(uploaded.status).toBe(201);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    // The factual half is off; RAG shows each chunk alone, so the poisoned PDF chunk cannot spoil the text's item.
    body: pretrainingConfigYaml(llm.url, { factualWays: [] }).replace(
      'rag_data:\n',
      'rag_data:\n  rag_max_chunks: 1\n  rag_failure_percentage: 0\n',
    ),
  });
  expect(config.status, await config.clone().text()).toBe(201);
  const configId = ((await config.json()) as { id: string }).id;
  const created = await t.client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  runId = created.data?.id as string;
  run = await waitFor(
    async () => {
      const r = await t.client.GET('/v1/runs/{id}', { params: { path: { id: runId } } });
      return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? (r.data as unknown as typeof run) : undefined;
    },
    { what: 'the pretraining run to finish', timeoutMs: 120_000 },
  );
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

describe('a pretraining run against the fake LLM', () => {
  it('succeeds, and says which later stages were skipped and why', () => {
    // The uncleanable PDF chunk is kept but counted, so the run says it finished with drops.
    expect(run.status, run.error ?? '').toBe('succeeded_with_drops');
    for (const name of [
      'ingest',
      'pdf_cleaning',
      'representation_variation',
      'inferred_facts',
      'assembly',
      'training_configs',
    ]) {
      expect(stage(name)?.state, name).toBe('succeeded');
    }
    const skipped = run.stages.filter((s) => s.state === 'skipped');
    expect(skipped.map((s) => s.name)).toContain('generic_sft');
    for (const s of skipped) expect(s.detail, s.name).toBeTruthy();
  });

  it('cleans the PDF chunk by chunk: one malformed answer retried, the uncleanable chunk counted and kept', async () => {
    const pdf = stage('pdf_cleaning');
    expect(pdf?.items.total).toBeGreaterThanOrEqual(3);
    expect(pdf?.items.dropped).toBe(1);
    expect(pdf?.items.done).toBe((pdf?.items.total ?? 0) - 1);
    expect(Object.keys(pdf?.reasons ?? {}).join(' ')).toMatch(/cleaned_text|tag|format/i);
    const counters = await llm.counters();
    expect(counters.byStatus['200']).toBeGreaterThan(0);
    const cleaned = await artifact('pdf_cleaning_manuals/religious-support.txt');
    expect(cleaned.status).toBe(200);
    // Nothing is cut: the uncleanable piece keeps its text, in document order.
    expect(cleaned.text).toContain(POISON);
    expect(cleaned.text.indexOf('Chaplains')).toBeLessThan(cleaned.text.indexOf(POISON));
  });

  it('writes representation variations and inferred facts per source, with the context header', async () => {
    for (const name of ['representation_variation', 'inferred_facts']) {
      const out = await artifact(`${name}_manuals/final_output.jsonl`);
      expect(out.status, name).toBe(200);
      const lines = out.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { text: string });
      expect(lines.length, name).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line.text).toMatch(/^\[\[\[OVERALL_CONTEXT_IS -> US Army field manuals\]\]\]\nSpecific source: \S+\n\S/);
      }
      // Per chunk: the chunk, its facts, V = 2 variations, and 2 code functions over the chunk and each variation.
      expect(lines.length, name).toBe((2 + 2 + 2 * (1 + 2)) * (stage(name)?.items.done ?? 0));
      const copy = await artifact(`pretraining_run/${name}_manuals.jsonl`);
      expect(copy.text).toBe(out.text);
    }
    const repvar = stage('representation_variation');
    expect(repvar?.items.done).toBeGreaterThan(0);
  });

  it('writes the source’s own documents and an Axolotl config that names every dataset', async () => {
    const chunks = await artifact('pretraining_run/text_chunks_manuals.jsonl');
    const docs = chunks.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string });
    expect(docs.some((d) => d.text.includes('Training is the foundation of readiness'))).toBe(true);
    // The PDF arrives cleaned, with the piece the model could not clean kept as extracted.
    const pdfDoc = docs.find((d) => d.text.includes('Chaplains'));
    expect(pdfDoc?.text).toContain(POISON);
    const yaml = await artifact('pretraining_run/axolotl_pretraining_config.yaml');
    expect(yaml.status).toBe(200);
    const config = parseYaml(yaml.text) as Record<string, unknown>;
    expect(config.sequence_len).toBe(8192);
    const datasets = (config.datasets as Array<{ path: string }>).map((d) => d.path);
    expect(datasets).toEqual(
      expect.arrayContaining([
        expect.stringContaining('representation_variation_manuals.jsonl'),
        expect.stringContaining('inferred_facts_manuals.jsonl'),
        expect.stringContaining('text_chunks_manuals.jsonl'),
      ]),
    );
    for (const key of ['base_model', 'learning_rate', 'num_epochs', 'output_dir'])
      expect(config, key).toHaveProperty(key);
  });

  it('passes the cleaned documents to later stages by reference, never their texts', async () => {
    const result = await readFile(
      path.join(t.dataDir, 'blobs', 'runs', runId, 'stage-results', 'pdf_cleaning.json'),
      'utf8',
    );
    expect(result).not.toContain('Training is the foundation');
    expect(result).not.toContain('Chaplains');
    const documents = JSON.parse(result) as Array<{ metadata: string; sha256: string; text: { kind: string } }>;
    expect(documents.map((d) => [d.metadata, d.text.kind])).toEqual([
      ['religious-support.pdf', 'blob'],
      ['training.txt', 'record'],
    ]);
    for (const d of documents) expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves the whole tree as one tar.gz bundle', async () => {
    const res = await fetch(`${t.baseUrl}/v1/runs/${runId}/bundle`);
    expect(res.status).toBe(200);
    // Entries sit under a folder named after the run, as `tar xzf` users expect.
    const names = tarEntries(gunzipSync(Buffer.from(await res.arrayBuffer()))).map((n) => n.replace(`${runId}/`, ''));
    expect(names).toEqual(
      expect.arrayContaining([
        'pretraining_run/representation_variation_manuals.jsonl',
        'pretraining_run/inferred_facts_manuals.jsonl',
        'pretraining_run/text_chunks_manuals.jsonl',
        'pretraining_run/axolotl_pretraining_config.yaml',
        'pdf_cleaning_manuals/religious-support.txt',
      ]),
    );
  });
});
