/** Starting a run through the API and waiting for it to end, for the end-to-end tests. */
import type { ApiClient } from './service.ts';
import { TERMINAL_RUN_STATUSES, waitFor } from './wait.ts';

/** Starts a run of the config and returns its status document once it has ended (typed by the caller). */
export async function runToEnd<Run>(
  client: ApiClient,
  projectId: string,
  configId: string,
): Promise<{ id: string; run: Run }> {
  const created = await client.POST('/v1/projects/{id}/runs', {
    params: { path: { id: projectId } },
    body: { config_id: configId },
  });
  const id = created.data?.id as string;
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
