/**
 * Prompt sets through the API: the bundled catalogue, an upload checked whole (every problem listed), names that
 * must exist when a config uses them, and a run whose representation-variation stage uses the uploaded filter: the
 * fake LLM sees that text, and the inferred-facts stage (its own prompt key) does not.
 */
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { isProblem, rawRequest } from '../../support/raw-http.ts';
import { runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';

const MARKER = 'Orchard-screening instructions, version seven.';
const filterFile = `- role: system
  content: ${MARKER} Decide whether the passage teaches anything real.
- role: user
  content: A note on ferry times and boarding rules.
- role: assistant
  content: |
    It explains when ferries leave and how to board.
    Verdict: SUITABLE
- role: user
  content: |
    {{ text }}
`;

let t: TestService;
let llm: FakeLlm;
let projectId: string;

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  llm = await startFakeLlm({ watch: [MARKER] });
  t = await startTestService();
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'prompts' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'orchard', settings: { variation_generation_counts: 1 } },
  });
  await upload(t.baseUrl, source.data?.id as string, [
    { name: 'orchard.txt', data: 'Apples are graded by size.\n\nClass one apples go to market on Mondays.' },
  ]);
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
});

describe('prompt sets', () => {
  it('lists the bundled prompts with their variables and contracts', async () => {
    const res = await t.client.GET('/v1/prompts');
    const filter = res.data?.items.find((p) => p.id === 'representation-variation/filter');
    expect(filter?.variables).toEqual(['text', 'error_message']);
    expect(filter?.in_local_set).toBe(true);
    expect(res.data?.items.find((p) => p.id === 'factual-sft/qa-generation')?.styles.length).toBeGreaterThan(0);
  });

  it('refuses a set with problems, listing each, and a duplicate name', async () => {
    const bad = await post(`/v1/projects/${projectId}/prompt-sets`, {
      name: 'broken',
      files: {
        'representation-variation/filter': filterFile.replace('Verdict: SUITABLE', 'I think so.'),
        'made-up/prompt': filterFile,
      },
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual([
      'body.files.made-up/prompt',
      'body.files.representation-variation/filter',
    ]);
    const good = await post(`/v1/projects/${projectId}/prompt-sets`, {
      name: 'orchard',
      files: { 'representation-variation/filter': filterFile },
    });
    expect(good.status, await good.clone().text()).toBe(201);
    expect(((await good.json()) as { prompts: string[] }).prompts).toEqual(['representation-variation/filter']);
    const again = await post(`/v1/projects/${projectId}/prompt-sets`, {
      name: 'orchard',
      files: { 'representation-variation/filter': filterFile },
    });
    expect(again.status).toBe(409);
    for (const name of ['prompts_local', 'a b', '']) {
      const res = await post(`/v1/projects/${projectId}/prompt-sets`, { name, files: {} });
      expect(res.status, name).toBe(400);
    }
    const fetched = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets/orchard`);
    expect(((await fetched.json()) as { files: Record<string, string> }).files['representation-variation/filter']).toBe(
      filterFile,
    );
  });

  it('takes the files as multipart parts or a .tar.gz of a prompts folder, checked the same way', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'my-prompts/representation-variation/filter.yaml' }, filterFile);
    pack.entry({ name: 'my-prompts/README.txt' }, 'not a prompt');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    const archive = gzipSync(Buffer.concat(chunks));
    const form = new FormData();
    form.append('file', new Blob([archive]), 'prompts.tar.gz');
    const res = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets/upload?name=from-archive`, {
      method: 'POST',
      body: form,
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { prompts: string[] }).prompts).toEqual(['representation-variation/filter']);

    const parts = new FormData();
    parts.append('file', new Blob([filterFile]), 'representation-variation/filter.yaml');
    parts.append('file', new Blob(['x']), 'filter.yaml');
    const bad = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets/upload?name=from-parts`, {
      method: 'POST',
      body: parts,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual([
      'files.filter.yaml',
    ]);
    const zipped = new FormData();
    zipped.append(
      'file',
      new Blob([
        zipSync({ 'team-prompts/representation-variation/filter.yaml': new TextEncoder().encode(filterFile) }),
      ]),
      'prompts.zip',
    );
    const fromZip = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets/upload?name=from-zip`, {
      method: 'POST',
      body: zipped,
    });
    expect(fromZip.status, await fromZip.clone().text()).toBe(201);
    expect(((await fromZip.json()) as { prompts: string[] }).prompts).toEqual(['representation-variation/filter']);

    const notArchive = new FormData();
    notArchive.append('file', new Blob(['garbage']), 'prompts.tgz');
    const refused = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets/upload?name=garbage`, {
      method: 'POST',
      body: notArchive,
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/does not unpack/);
  });

  it('answers a cut-off or boundary-less multipart body with a 400 problem, keeping nothing', async () => {
    const path = `/v1/projects/${projectId}/prompt-sets/upload?name=cut`;
    const cut = await rawRequest(t.baseUrl, {
      method: 'POST',
      path,
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="representation-variation/filter.yaml"\r\n\r\n- role',
    });
    expect(cut.status).toBe(400);
    expect(isProblem(cut)).toBe(true);
    const noBoundary = await rawRequest(t.baseUrl, {
      method: 'POST',
      path,
      headers: { 'content-type': 'multipart/form-data' },
      body: 'hello',
    });
    expect(noBoundary.status).toBe(400);
    expect(isProblem(noBoundary)).toBe(true);
    const list = await fetch(`${t.baseUrl}/v1/projects/${projectId}/prompt-sets`);
    expect(((await list.json()) as { items: Array<{ name: string }> }).items.map((i) => i.name)).not.toContain('cut');
  });

  it('refuses a config naming a set the project does not have', async () => {
    const res = await post(
      `/v1/projects/${projectId}/configs`,
      'representation_variation:\n  representation_variation_prompts: nowhere\nfactual_sft:\n  openended:\n    prompts: elsewhere\n',
      'application/yaml',
    );
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { errors: Array<{ path: string; message: string }> };
    expect(problem.errors.map((e) => e.path).sort()).toEqual([
      'factual_sft.openended.prompts',
      'representation_variation.representation_variation_prompts',
    ]);
    // The original's own folder names stay valid.
    const bundled = await post(
      `/v1/projects/${projectId}/configs`,
      'representation_variation:\n  representation_variation_prompts: prompts_local\n  representation_variation_prompts_inferred: prompts_inferred_facts\nfactual_sft:\n  negative:\n    prompts: prompt_overrides/negative\n',
      'application/yaml',
    );
    expect(bundled.status, await bundled.clone().text()).toBe(201);
    expect(problem.errors[0]?.message).toMatch(/sets: from-archive, from-zip, orchard/);
  });

  it("calls the model with the uploaded set's text in the stage that names it, and only there", async () => {
    const config = await post(
      `/v1/projects/${projectId}/configs`,
      pretrainingConfigYaml(llm.url, { factualWays: [] }).replace(
        'representation_variation:\n',
        'representation_variation:\n  representation_variation_prompts: orchard\n',
      ),
      'application/yaml',
    );
    expect(config.status, await config.clone().text()).toBe(201);
    const configId = ((await config.json()) as { id: string }).id;
    const before = (await llm.counters()).byPromptId['representation-variation/filter'] ?? 0;
    const { run } = await runToEnd<{ status: string; error: string | null }>(t.client, projectId, configId);
    expect(run.status, run.error ?? '').toBe('succeeded');
    const counters = await llm.counters();
    const filterCalls = (counters.byPromptId['representation-variation/filter'] ?? 0) - before;
    // The representation-variation stage judged with the set's filter; inferred facts (own key) and RAG judged
    // with the bundled one, so not every filter call carries the marker.
    expect(counters.watched[MARKER]).toBeGreaterThan(0);
    expect(counters.watched[MARKER]).toBeLessThan(filterCalls);
  });
});
