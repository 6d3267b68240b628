/**
 * Zod issues -> `{path, message}` field errors a person can act on: one error per unknown key with its full path,
 * a hint when the key belongs to another section (the original's flat layout, or a slip) or looks like a typo of
 * a known key, and "required" instead of "received undefined".
 */
import { z } from 'zod';
import type { ProblemFieldError } from '../../lib/errors.ts';
import { ROOT_PATH } from './read-body.ts';
import { compositionConfigSchema } from './schema.ts';

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
}

let cachedSchema: JsonSchemaNode | undefined;

/** The config's JSON Schema (input side), used only to look up which keys exist where. */
function configJsonSchema(): JsonSchemaNode {
  cachedSchema ??= z.toJSONSchema(compositionConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  return cachedSchema;
}

function withProperties(node: JsonSchemaNode | undefined): JsonSchemaNode | undefined {
  if (!node) return undefined;
  if (node.properties || node.items || typeof node.additionalProperties === 'object') return node;
  return node.anyOf?.map(withProperties).find((n) => n !== undefined);
}

function nodeAt(path: readonly PropertyKey[]): JsonSchemaNode | undefined {
  let node = withProperties(configJsonSchema());
  for (const segment of path) {
    if (!node) return undefined;
    const key = String(segment);
    const next: JsonSchemaNode | undefined =
      typeof segment === 'number'
        ? node.items
        : node.properties && Object.hasOwn(node.properties, key)
          ? node.properties[key]
          : typeof node.additionalProperties === 'object'
            ? node.additionalProperties
            : undefined;
    node = withProperties(next);
  }
  return node;
}

const keysAt = (path: readonly PropertyKey[]) => Object.keys(nodeAt(path)?.properties ?? {});

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyMessage(objectPath: readonly PropertyKey[], key: string): string {
  const base = `unknown key "${key}"`;
  // A section key at the top level or in the wrong section: name its home.
  if (objectPath.length <= 1) {
    const home = keysAt([]).find((section) => section !== objectPath[0] && keysAt([section]).includes(key));
    if (home) {
      const flat = objectPath.length === 0 ? ' (the flat layout is not accepted; nest keys under their section)' : '';
      return `${base}: it belongs in section "${home}"${flat}`;
    }
  }
  const near = keysAt(objectPath)
    .map((known) => ({ known, distance: editDistance(key, known) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(key.length / 5)))
    .sort((a, b) => a.distance - b.distance)[0];
  return near ? `${base}; did you mean "${near.known}"?` : base;
}

const formatPath = (path: readonly PropertyKey[]) => (path.length === 0 ? ROOT_PATH : path.map(String).join('.'));

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message))
    return `required (expected ${issue.expected})`;
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'expected a whole number';
  if (issue.code === 'invalid_key') return `invalid name: ${issue.issues.map((i) => i.message).join('; ')}`;
  return issue.message;
}

export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({ path: formatPath([...issue.path, key]), message: unknownKeyMessage(issue.path, key) });
    } else {
      errors.push({ path: formatPath(issue.path), message: issueMessage(issue) });
    }
  }
  return errors;
}
