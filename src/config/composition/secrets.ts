/**
 * Secrets in a config are write-only: the stored, client-visible document carries `(set)` where a key was given
 * (empty where not), and the values live in a separate map keyed by dotted path that only the worker merges back.
 * Secret keys are recognised by name anywhere in the document (`*_api_key`, `api_key`, `huggingface_token`,
 * `hf_token`), which also covers keys a client puts into free-form maps such as `other_finetune_kwargs`.
 */

/** What the document shows for a secret that was given. */
export const SECRET_SET_MARKER = '(set)';

const TOKEN_KEYS = new Set(['huggingface_token', 'hf_token']);

/** An endpoint's key (`api_key`, `*_api_key`), as against a Hugging Face token. */
export function isApiKeyName(key: string): boolean {
  return key === 'api_key' || key.endsWith('_api_key');
}

export function isSecretKey(key: string): boolean {
  return isApiKeyName(key) || TOKEN_KEYS.has(key);
}

/**
 * Empty, the original's template marker (`!!PLACEHOLDER!!`, also its malformed `!!PLACEHOLDER`) or our own
 * `(set)` marker (a document sent back unchanged) all mean "no key given".
 */
export function isUnsetSecret(value: string): boolean {
  return value.trim() === '' || value.includes('!!PLACEHOLDER') || value === SECRET_SET_MARKER;
}

type SecretMapper = (path: string, value: string) => string;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON-like data with every string under a secret key replaced by `map(path, value)`. */
function mapSecrets(value: unknown, path: readonly string[], map: SecretMapper): unknown {
  if (Array.isArray(value)) return value.map((item, i) => mapSecrets(item, [...path, String(i)], map));
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    const mapped =
      typeof child === 'string' && isSecretKey(key)
        ? map(childPath.join('.'), child)
        : mapSecrets(child, childPath, map);
    // defineProperty: a `__proto__` key in free-form data must stay data, not replace the copy's prototype.
    Object.defineProperty(copy, key, { value: mapped, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Every secret-named string in `value`, with its dotted path (for warnings about what was given). */
export function secretEntries(value: unknown): Array<{ path: string; value: string }> {
  const found: Array<{ path: string; value: string }> = [];
  mapSecrets(value, [], (path, secret) => {
    found.push({ path, value: secret });
    return secret;
  });
  return found;
}

/** Separates the secrets: `document` is safe to store and show, `secrets` maps dotted path -> value (set ones only). */
export function splitSecrets<T>(config: T): { document: T; secrets: Record<string, string> } {
  const secrets: Record<string, string> = {};
  const document = mapSecrets(config, [], (path, value) => {
    if (isUnsetSecret(value)) return '';
    secrets[path] = value;
    return SECRET_SET_MARKER;
  });
  // mapSecrets copies the structure and only swaps strings for strings, so the shape of T is kept.
  return { document: document as T, secrets };
}

/** The inverse of splitSecrets, for the worker: a secret whose value is missing from the map becomes ''. */
export function mergeSecrets<T>(document: T, secrets: Readonly<Record<string, string>>): T {
  const merged = mapSecrets(document, [], (path, value) => {
    const secret = Object.hasOwn(secrets, path) ? secrets[path] : undefined;
    if (secret !== undefined) return secret;
    return isUnsetSecret(value) ? '' : value;
  });
  return merged as T;
}
