/**
 * Publishing a finished run to a (fake) Hugging Face Hub through the API: one commit with sft_run/, pretraining_run/,
 * exports/ and the dataset card at the root (data files pointed into sft_run/); the token write-only; a repeated push
 * commits again; a hub fault is retried; a refusal and a bad request are said plainly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

const TOKEN = 'hf_writer_token_123';
const REPO = 'team/orchard-data';

let t: TestService;
let llm: FakeLlm;
let hub: FakeHub;
let projectId: string;
let configId: string;
let runId: string;

type Push = { id: string; status: string; error: string | null; files: number | null; commit: string | null };

const post = (id: string, body: unknown) =>
  fetch(`${t.baseUrl}/v1/runs/${id}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function pushToEnd(body: unknown): Promise<Push> {
  const res = await post(runId, body);
  const text = await res.text();
  expect(res.status, text).toBe(202);
  expect(text).not.toContain(TOKEN);
  const { id } = JSON.parse(text) as Push;
  return waitFor(
    async () => {
      const list = await (await fetch(`${t.baseUrl}/v1/runs/${runId}/pushes`)).text();
      expect(list).not.toContain(TOKEN);
      const push = (JSON.parse(list) as { items: Push[] }).items.find((p) => p.id === id);
      return push && ['succeeded', 'failed'].includes(push.status) ? push : undefined;
    },
    { what: `push ${id} to end`, timeoutMs: 60_000 },
  );
}

beforeAll(async () => {
  llm = await startFakeLlm();
  hub = await startFakeHub();
  t = await startTestService({ settings: { huggingfaceHubUrl: hub.url } });
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'push' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'orchard', settings: { variation_generation_counts: 1 } },
  });
  await upload(t.baseUrl, source.data?.id as string, [
    {
      name: 'orchard.txt',
      data: 'The orchard cooperative grades apples by size.\n\nClass one apples go to the market on Mondays.',
    },
  ]);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, { factualWays: [] }),
  });
  configId = ((await config.json()) as { id: string }).id;
  const run = await runToEnd<{ status: string }>(t.client, projectId, configId);
  expect(run.run.status).toBe('succeeded');
  runId = run.id;
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
  await hub?.close();
});

describe('pushing a run to the Hub', () => {
  it('publishes the run as one commit, the card at the root pointing into sft_run/', async () => {
    const push = await pushToEnd({ repo: REPO, token: TOKEN });
    expect(push.status, push.error ?? '').toBe('succeeded');
    const files = hub.dataset(REPO);
    if (!files) throw new Error('the repo was not created');
    const listing = (await (await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts?limit=1000`)).json()) as {
      items: Array<{ path: string }>;
    };
    const published = listing.items.map((a) => a.path).filter((p) => /^(sft_run|pretraining_run|exports)\//.test(p));
    expect([...files.keys()].sort()).toEqual([...published, 'README.md'].sort());
    expect(push.files).toBe(published.length + 1);
    const config = await (
      await fetch(`${t.baseUrl}/v1/runs/${runId}/artifacts/sft_run/sft_training_config.yaml`)
    ).text();
    expect(files.get('sft_run/sft_training_config.yaml')?.toString('utf8')).toBe(config);
    const card = files.get('README.md')?.toString('utf8') ?? '';
    const front = parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(card)?.[1] ?? '');
    const paths = front.configs.flatMap((c: { data_files: Array<{ path: string[] }> }) => c.data_files[0]?.path ?? []);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(files.has(p), p).toBe(true);
  });

  it('commits again on a repeated push, and retries a hub fault', async () => {
    const before = hub.counters().commits;
    hub.failNext('/commit/', 503, 1);
    const push = await pushToEnd({ repo: REPO, token: TOKEN, private: false });
    expect(push.status, push.error ?? '').toBe('succeeded');
    expect(hub.counters().commits).toBe(before + 1);
  });

  it('says why the hub refused, without retrying a refusal', async () => {
    const push = await pushToEnd({ repo: REPO, token: 'hf_someone_else' });
    expect(push.status).toBe('failed');
    expect(push.error).toMatch(/^team\/orchard-data: HTTP 401 /);
  });

  it('refuses a bad request with the field named, and a run that has not succeeded', async () => {
    for (const [body, field] of [
      [{ repo: 'a/b/c', token: TOKEN }, 'body.repo'],
      [{ repo: '../x', token: TOKEN }, 'body.repo'],
      [{ repo: REPO, token: 'not-a-token' }, 'body.token'],
      [{ repo: REPO }, 'body.token'],
      [{ repo: REPO, token: TOKEN, extra: 1 }, 'body'],
    ] as const) {
      const res = await post(runId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = (await res.json()) as { errors?: Array<{ path: string }> };
      expect(problem.errors?.map((e) => e.path).join(' '), JSON.stringify(body)).toContain(field);
    }
    const created = await t.client.POST('/v1/projects/{id}/runs', {
      params: { path: { id: projectId } },
      body: { config_id: configId },
    });
    const other = created.data?.id as string;
    await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: other } } });
    const res = await post(other, { repo: REPO, token: TOKEN });
    expect(res.status).toBe(409);
    expect((await post('run_does_not_exist', { repo: REPO, token: TOKEN })).status).toBe(404);
  });
});
