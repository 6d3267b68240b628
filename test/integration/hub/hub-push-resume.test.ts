import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../../src/service.ts';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd } from '../../support/runs.ts';
import { killWorker, startSecondWorker } from '../../support/second-worker.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

const REPO = 'team/resumed-push';

let first: TestService | undefined;
let second: Service | undefined;
let llm: FakeLlm | undefined;
let hub: FakeHub | undefined;

afterAll(async () => {
  await second?.stop();
  await first?.stop();
  await hub?.close();
  await llm?.close();
});

describe('a push whose worker died', () => {
  it('is carried through by the next worker', async () => {
    llm = await startFakeLlm();
    hub = await startFakeHub();
    const fakeHub = hub;
    first = await startTestService({ settings: { huggingfaceHubUrl: fakeHub.url } });
    const t = first;
    const projectId = (await t.client.POST('/v1/projects', { body: { name: 'push-resume' } })).data?.id as string;
    const source = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name: 'orchard', settings: { variation_generation_counts: 1 } },
    });
    await upload(t.baseUrl, source.data?.id as string, [
      { name: 'orchard.txt', data: 'The orchard grades apples by size.\n\nClass one apples go to market on Mondays.' },
    ]);
    const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: pretrainingConfigYaml(llm.url, { factualWays: [] }),
    });
    const configId = ((await config.json()) as { id: string }).id;
    const run = await runToEnd<{ status: string }>(t.client, projectId, configId);
    expect(run.run.status).toBe('succeeded');

    // The hub takes the first commit and never answers: the worker is inside the push when it dies.
    fakeHub.holdNext('/commit/');
    const res = await fetch(`${t.baseUrl}/v1/runs/${run.id}/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repo: REPO, token: 'hf_writer_token_123' }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const pushId = ((await res.json()) as { id: string }).id;
    const pushOf = async () => {
      const list = (await (await fetch(`${t.baseUrl}/v1/runs/${run.id}/pushes`)).json()) as {
        items: Array<{ id: string; status: string; error: string | null; commit: string | null }>;
      };
      return list.items.find((p) => p.id === pushId);
    };
    await waitFor(async () => fakeHub.counters().held === 1, { what: 'the commit to reach the hub' });
    expect((await pushOf())?.status).toBe('running');

    await killWorker(t);
    second = await startSecondWorker(t, { settings: { huggingfaceHubUrl: fakeHub.url } });

    const ended = await waitFor(
      async () => {
        const push = await pushOf();
        return push && ['succeeded', 'failed'].includes(push.status) ? push : undefined;
      },
      { what: 'the push to end on the second worker', timeoutMs: 60_000 },
    );
    expect(ended.status, ended.error ?? '').toBe('succeeded');
    expect(ended.commit).toBeTruthy();
    expect([...(fakeHub.dataset(REPO)?.keys() ?? [])]).toContain('README.md');
  });
});
