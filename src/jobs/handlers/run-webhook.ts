/**
 * Jobs `run-webhook` and `run-webhook-dead`: POST a run's end to the webhook it was created with. The body is
 * `{"type": "run.<status>", "run": <the run summary, outcome included>}` — the document the run list and the end event
 * carry. With a secret, `X-Datagen-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` lets the receiver
 * check origin and freshness. A 2xx is a delivery; a 4xx (other than 408 and 429) is a refusal, recorded without
 * retrying; anything else is retried with backoff, and a delivery that fails every attempt is recorded as an event.
 */
import { createHmac } from 'node:crypto';
import { appendEvent } from '../../db/queries/run-events.ts';
import { getRunById } from '../../db/queries/runs.ts';
import { errorMessage } from '../../lib/errors.ts';
import { runSummaryDocument } from '../runs.ts';
import type { StageDeps } from '../stage-deps.ts';

const TIMEOUT_MS = 10_000;
const TERMINAL = new Set(['succeeded', 'succeeded_with_drops', 'failed', 'canceled']);

export const deliverRunWebhook = (deps: StageDeps) => async (payload: { runId: string }) => {
  const run = await getRunById(deps.db, payload.runId);
  if (!run?.webhookUrl || !TERMINAL.has(run.status)) return;
  const type = `run.${run.status}`;
  const body = JSON.stringify({ type, run: runSummaryDocument(run) });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'factual-datagen-service',
    'x-datagen-event': type,
    'x-datagen-run': run.id,
  };
  if (run.webhookSecretSealed) {
    const secret = deps.secretBox.open(run.webhookSecretSealed);
    const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    headers['x-datagen-signature'] = `t=${timestamp},v1=${signature}`;
  }
  let status: number;
  try {
    const response = await fetch(run.webhookUrl, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    throw new Error(`webhook ${run.webhookUrl}: ${errorMessage(error)}`);
  }
  if (status >= 200 && status < 300) {
    await appendEvent(deps.db, run.id, 'webhook.delivered', { url: run.webhookUrl, status, type });
    return;
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
    await appendEvent(deps.db, run.id, 'webhook.failed', { url: run.webhookUrl, status, type, error: 'refused' });
    return;
  }
  throw new Error(`webhook ${run.webhookUrl} answered HTTP ${status}`);
};

export const recordDeadWebhook = (deps: StageDeps) => async (payload: { runId: string }) => {
  const run = await getRunById(deps.db, payload.runId);
  if (!run?.webhookUrl) return;
  await appendEvent(deps.db, run.id, 'webhook.failed', {
    url: run.webhookUrl,
    type: `run.${run.status}`,
    error: 'no delivery after every retry',
  });
};
