/**
 * A push whose worker dies while it is committing: the push is left `running` and its job active. Once the job's
 * heartbeat lapses another worker takes it, and must carry the push through, not find it `running` and leave it so.
 *
 * About 15 s long, on purpose: the dead worker's job is only retried once its heartbeat (10 s, pg-boss's minimum) has
 * lapsed and the monitor has noticed.
 */
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/settings.ts';
import { startService } from '../../../src/service.ts';
import { type FakeHub, startFakeHub } from '../../../tools/fake-hub/server.ts';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { runToEnd } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

const REPO = 'team/resumed-push';

let first: TestService | undefined;
let second: Awaited<ReturnType<typeof startService>> | undefined;
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

    await t.service.worker?.kill();
    await t.service.queue.stop();
    second = await startService(
      loadSettings(
        {},
        {
          dataDir: t.dataDir,
          logLevel: 'silent',
          jobHeartbeatSeconds: 10,
          role: 'worker',
          huggingfaceHubUrl: fakeHub.url,
        },
      ),
      { database: t.database, monitorIntervalSeconds: 1, sweepIntervalMs: 1000, logger: pino({ level: 'silent' }) },
    );

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
