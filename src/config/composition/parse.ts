/**
 * Entry point for a config sent by a client: read the body safely, validate it against the schema (reporting every
 * failing path at once), split off the secrets, and collect warnings. Pure: no I/O, no knowledge of HTTP.
 */
import type { ProblemFieldError } from '../../lib/errors.ts';
import { issuesToErrors } from './issues.ts';
import { type BodyFormat, readBody } from './read-body.ts';
import { type CompositionConfig, compositionConfigSchema } from './schema.ts';
import { mergeSecrets, splitSecrets } from './secrets.ts';
import { parseWarnings } from './warnings.ts';

export type ParseResult =
  | {
      ok: true;
      /** The full config with defaults and the real secrets: use it now, never store or return it. */
      config: CompositionConfig;
      /** The same config with every secret replaced by `(set)` or '': safe to store and show. */
      document: CompositionConfig;
      /** Dotted path -> secret value, for the secret store. */
      secrets: Record<string, string>;
      warnings: ProblemFieldError[];
    }
  | { ok: false; errors: ProblemFieldError[] };

export function parseCompositionConfig(body: unknown, contentType: BodyFormat): ParseResult {
  const read = readBody(body, contentType);
  if (!read.ok) return read;
  const parsed = compositionConfigSchema.safeParse(read.value);
  if (!parsed.success) return { ok: false, errors: issuesToErrors(parsed.error.issues) };
  // readBody guarantees a mapping at the root.
  const raw = read.value as Readonly<Record<string, unknown>>;
  const { document, secrets } = splitSecrets(parsed.data);
  // Rebuilt from the split so placeholders read '' here exactly as they will in the worker's merged config.
  const config = mergeSecrets(document, secrets);
  return { ok: true, config, document, secrets, warnings: parseWarnings(raw, config) };
}
