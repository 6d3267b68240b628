/** Starting a run through the API and waiting for it to end, for the end-to-end tests. */
import type { components } from './openapi-types.ts';
import type { ApiClient } from './service.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from './wait.ts';

/** A run's status document, as the API's spec types it. */
export type RunDocument = components['schemas']['Run'];

/** Starts a run of the config; its id. */
export async function startRun(client: ApiClient, projectId: string, configId: string): Promise<string> {
  const created = await client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  return created.data?.id as string;
}

/** Starts a run of the config and returns its status document once it has ended (typed by the caller). */
export async function runToEnd<Run>(
  client: ApiClient,
  projectId: string,
  configId: string,
): Promise<{ id: string; run: Run }> {
  const id = await startRun(client, projectId, configId);
  const run = await waitFor(
    async () => {
      const r = await client.GET('/v1/runs/{id}', { params: { path: { id } } });
      return r.data && TERMINAL_RUN_STATUSES.includes(r.data.status) ? (r.data as unknown as Run) : undefined;
    },
    { what: `run ${id} to end`, timeoutMs: 120_000 },
  );
  return { id, run };
}

/** The events of a JSON events page (the operation also declares its SSE form, so generated types are a union). */
export function eventItems(
  data: unknown,
): Array<{ id: number; type: string; stage: string | null; data: Record<string, unknown> }> {
  return (data as { items?: [] } | undefined)?.items ?? [];
}

/** The run's status document (typed by the caller). */
export const runStatusOf = async <Run>(client: ApiClient, id: string): Promise<Run> =>
  (await client.GET('/v1/runs/{id}', { params: { path: { id } } })).data as unknown as Run;

/** Waits for a run that is already started to end, and returns its status document. */
export const untilRunEnded = <Run extends { status: string }>(client: ApiClient, id: string): Promise<Run> =>
  waitFor(
    async () => {
      const run = await runStatusOf<Run>(client, id);
      return TERMINAL_RUN_STATUSES.includes(run.status) ? run : undefined;
    },
    { what: `run ${id} to end`, timeoutMs: 150_000 },
  );

/**
 * Every artifact of a run by path, as text, read with a tenant's key — except the dataset card, which reports on
 * its own run (id, spend) and differs between any two runs.
 */
export async function runOutputs(baseUrl: string, key: string, id: string): Promise<Map<string, string>> {
  const auth = { authorization: `Bearer ${key}` };
  const list = (await (await fetch(`${baseUrl}/v1/runs/${id}/artifacts?limit=1000`, { headers: auth })).json()) as {
    items: Array<{ path: string }>;
  };
  const out = new Map<string, string>();
  for (const { path } of list.items.filter((a) => a.path !== 'sft_run/README.md')) {
    out.set(path, await (await fetch(`${baseUrl}/v1/runs/${id}/artifacts/${path}`, { headers: auth })).text());
  }
  return out;
}
