/**
 * A run's config as the worker needs it: validated document with the secrets merged back in. Configs are
 * immutable, so the parsed result is cached by id.
 */
import { type CompositionConfig, compositionConfigSchema } from '../config/composition/schema.ts';
import { mergeSecrets } from '../config/composition/secrets.ts';
import type { Db } from '../db/client.ts';
import { getConfigWithSecrets } from '../db/queries/configs.ts';
import { ServiceError } from '../lib/errors.ts';
import type { SecretBox } from '../lib/secret-box.ts';

export interface RunConfig {
  config: CompositionConfig;
  secrets: Record<string, string>;
}

const cache = new Map<string, RunConfig>();

/** `run.secretOverridesSealed`: keys given on a resume, used over the config's own for the same paths. */
export async function getConfigForRun(
  deps: { db: Db; secretBox: SecretBox },
  run: { configId: string; secretOverridesSealed?: Record<string, string> | null },
): Promise<RunConfig> {
  const overrides = run.secretOverridesSealed ?? {};
  const cacheKey = Object.keys(overrides).length === 0 ? run.configId : `${run.configId} ${JSON.stringify(overrides)}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const row = await getConfigWithSecrets(deps.db, run.configId);
  if (!row) throw new Error(`config ${run.configId} no longer exists`);
  const secrets = { ...deps.secretBox.openAll(row.secrets), ...deps.secretBox.openAll(overrides) };
  const config = compositionConfigSchema.parse(mergeSecrets(row.document, secrets));
  const result = { config, secrets };
  if (cache.size > 100) cache.clear();
  cache.set(cacheKey, result);
  return result;
}

/**
 * The config a client names (`body.config_id`) for a project of its own, ready to run: a config of another project or
 * tenant is refused as if it did not exist, naming the field.
 */
export async function projectConfig(
  deps: { db: Db; secretBox: SecretBox },
  owner: { tenantId: string; projectId: string },
  configId: string,
): Promise<RunConfig> {
  const row = await getConfigWithSecrets(deps.db, configId);
  if (!row || row.tenantId !== owner.tenantId || row.projectId !== owner.projectId) {
    throw new ServiceError('validation', `config ${configId} does not exist in this project`, {
      errors: [{ path: 'body.config_id', message: 'no such config in this project' }],
    });
  }
  return getConfigForRun(deps, { configId });
}
