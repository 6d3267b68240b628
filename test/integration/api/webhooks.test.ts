/**
 * Run webhooks: a run created with `webhook: {url, secret}` announces its end with the same summary and outcome the
 * run list and the end event carry, signed; a failed delivery is retried; a canceled run is announced too; a bad
 * webhook is a 400 naming the field, and the secret is never shown.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../../../tools/fake-llm/server.ts';
import { pretrainingConfigYaml } from '../../support/pretraining-config.ts';
import { eventItems } from '../../support/runs.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { upload } from '../../support/upload.ts';
import { waitFor } from '../../support/wait.ts';

const SECRET = 'a-webhook-secret-of-some-length';

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  answered: number;
}

let t: TestService;
let llm: FakeLlm;
let receiver: Server;
let receiverUrl: string;
let projectId: string;
let configId: string;
const deliveries: Delivery[] = [];
/** Status codes to answer, in order; 200 once used up. */
const answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answered = answers.shift() ?? 200;
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/datagen`;
  llm = await startFakeLlm();
  t = await startTestService();
  projectId = (await t.client.POST('/v1/projects', { body: { name: 'hooks' } })).data?.id as string;
  const source = await t.client.POST('/v1/projects/{id}/sources', {
    params: { path: { id: projectId } },
    body: { name: 'notes', settings: { variation_generation_counts: 1 } },
  });
  await upload(t.baseUrl, source.data?.id as string, [
    { name: 'notes.txt', data: 'The ferry leaves at six.\n\nThe last ferry returns at ten.' },
  ]);
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: pretrainingConfigYaml(llm.url, { factualWays: [] }),
  });
  configId = ((await config.json()) as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await llm?.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

const createRun = (body: unknown) =>
  fetch(`${t.baseUrl}/v1/projects/${projectId}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const deliveredFor = (runId: string) =>
  waitFor(async () => deliveries.find((d) => d.headers['x-datagen-run'] === runId && d.answered === 200), {
    what: `the webhook delivery of ${runId}`,
    timeoutMs: 90_000,
  });

describe('run webhooks', () => {
  it('announces the end, signed, with the outcome the list and the end event carry, after retrying a failure', async () => {
    answers.push(500);
    const created = await createRun({ config_id: configId, webhook: { url: receiverUrl, secret: SECRET } });
    const text = await created.text();
    expect(created.status, text).toBe(201);
    expect(text).not.toContain(SECRET);
    const runId = (JSON.parse(text) as { id: string; webhook_url: string }).id;
    expect(JSON.parse(text).webhook_url).toBe(receiverUrl);

    const delivery = await deliveredFor(runId);
    const attempts = deliveries.filter((d) => d.headers['x-datagen-run'] === runId);
    expect(attempts.map((d) => d.answered)).toEqual([500, 200]);
    const signature = String(delivery.headers['x-datagen-signature']);
    const [, stamp, digest] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(digest).toBe(createHmac('sha256', SECRET).update(`${stamp}.${delivery.body}`).digest('hex'));
    const body = JSON.parse(delivery.body) as { type: string; run: { id: string; status: string; outcome: unknown } };
    expect(body.type).toBe('run.succeeded');
    expect(delivery.headers['x-datagen-event']).toBe('run.succeeded');

    const list = await t.client.GET('/v1/projects/{id}/runs', { params: { path: { id: projectId } } });
    expect(body.run).toEqual(list.data?.items.find((r) => r.id === runId));
    const events = await t.client.GET('/v1/runs/{id}/events', { params: { path: { id: runId }, query: {} } });
    expect(eventItems(events.data).find((e) => e.type === 'run.succeeded')?.data.outcome).toEqual(body.run.outcome);
    const logged = await waitFor(
      async () => {
        const page = await t.client.GET('/v1/runs/{id}/events', { params: { path: { id: runId }, query: {} } });
        return eventItems(page.data).find((e) => e.type === 'webhook.delivered');
      },
      { what: 'the delivery event' },
    );
    expect(logged.data).toMatchObject({ status: 200, type: 'run.succeeded', url: receiverUrl });
  });

  it('announces a canceled run', async () => {
    const created = await createRun({ config_id: configId, webhook: { url: receiverUrl } });
    const runId = ((await created.json()) as { id: string }).id;
    await t.client.POST('/v1/runs/{id}/cancel', { params: { path: { id: runId } } });
    const delivery = await deliveredFor(runId);
    expect(JSON.parse(delivery.body).type).toBe('run.canceled');
    expect(delivery.headers['x-datagen-signature']).toBeUndefined();
  });

  it('refuses a webhook that is no http(s) URL or whose secret is too short, naming the field', async () => {
    for (const [webhook, field] of [
      [{ url: 'ftp://example.com/hook' }, 'body.webhook.url'],
      [{ url: 'not a url' }, 'body.webhook.url'],
      [{ url: receiverUrl, secret: 'short' }, 'body.webhook.secret'],
      [{ url: receiverUrl, extra: true }, 'body.webhook'],
    ] as const) {
      const res = await createRun({ config_id: configId, webhook });
      expect(res.status, JSON.stringify(webhook)).toBe(400);
      const problem = (await res.json()) as { errors?: Array<{ path: string }> };
      expect(problem.errors?.map((e) => e.path).join(' ')).toContain(field);
    }
  });
});
