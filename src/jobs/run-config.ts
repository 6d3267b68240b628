/**
 * A run's config as the worker needs it: validated document with the secrets merged back in. Configs are
 * immutable, so the parsed result is cached by id.
 */
import { type CompositionConfig, compositionConfigSchema } from '../config/composition/schema.ts';
import { mergeSecrets } from '../config/composition/secrets.ts';
import type { Db } from '../db/client.ts';
import { getConfigWithSecrets } from '../db/queries/configs.ts';
import type { SecretBox } from '../lib/secret-box.ts';

export interface RunConfig {
  config: CompositionConfig;
  secrets: Record<string, string>;
}

const cache = new Map<string, RunConfig>();

export async function getConfigForRun(
  deps: { db: Db; secretBox: SecretBox },
  run: { configId: string },
): Promise<RunConfig> {
  const hit = cache.get(run.configId);
  if (hit) return hit;
  const row = await getConfigWithSecrets(deps.db, run.configId);
  if (!row) throw new Error(`config ${run.configId} no longer exists`);
  const secrets = deps.secretBox.openAll(row.secrets);
  const config = compositionConfigSchema.parse(mergeSecrets(row.document, secrets));
  const result = { config, secrets };
  if (cache.size > 100) cache.clear();
  cache.set(run.configId, result);
  return result;
}
