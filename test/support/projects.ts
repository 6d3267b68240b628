/** A project with one source per text (each holding one `<source>.txt`) and a config, for the end-to-end tests. */
import { expect } from 'vitest';
import type { TestService } from './service.ts';
import { upload } from './upload.ts';

export async function projectWithSources(
  t: TestService,
  name: string,
  texts: Record<string, string>,
  settings: Record<string, unknown>,
): Promise<string> {
  const projectId = (await t.client.POST('/v1/projects', { body: { name } })).data?.id as string;
  for (const [source, text] of Object.entries(texts)) {
    const created = await t.client.POST('/v1/projects/{id}/sources', {
      params: { path: { id: projectId } },
      body: { name: source, settings },
    });
    await upload(t.baseUrl, created.data?.id as string, [{ name: `${source}.txt`, data: text }]);
  }
  return projectId;
}

/** Stores a YAML config in the project and returns its id (the test fails with the problem when it is refused). */
export async function createConfig(t: TestService, projectId: string, yaml: string): Promise<string> {
  const config = await fetch(`${t.baseUrl}/v1/projects/${projectId}/configs`, {
    method: 'POST',
    headers: { 'content-type': 'application/yaml' },
    body: yaml,
  });
  expect(config.status, await config.clone().text()).toBe(201);
  return ((await config.json()) as { id: string }).id;
}

/**
 * The smallest config a run accepts with no hub to reach: only the dataset context, and no generic datasets (the
 * default lists some). For tests whose stages are their own.
 */
export const configWithoutGenericData = (datasetContext: string): string =>
  `dataset_context: ${datasetContext}\nfinal_datasaving_settings:\n  generic_dataset_paths: []\n`;
