/**
 * Turns a request body (YAML or JSON text, or an already-parsed JSON value) into plain data, safely: YAML alias
 * expansion is capped (a few lines of nested aliases can otherwise expand to gigabytes, "billion laughs"), custom
 * tags and duplicate keys are refused, and every syntax error carries its line and column.
 *
 * YAML is read as PyYAML reads the original's configs: YAML 1.1 scalars (`yes`/`no`/`on`/`off` are booleans) and
 * flow collections indented no deeper than their key (see yaml-compat.ts).
 */
import { parseDocument } from 'yaml';
import type { ProblemFieldError } from '../../lib/errors.ts';
import { indentFlowCollections } from './yaml-compat.ts';

/** Path used for errors about the body as a whole. */
export const ROOT_PATH = '(root)';
/** Alias expansions allowed while building the value; real configs use none or a handful. */
export const MAX_ALIAS_COUNT = 100;
/** Nesting allowed in a config; the original's deepest value (a list of mappings in a section) is four levels down. */
export const MAX_DEPTH = 32;
const TOO_DEEP = `the document is nested too deeply (a config needs at most ${MAX_DEPTH} levels)`;

export type BodyFormat = 'yaml' | 'json';
export type ReadResult = { ok: true; value: unknown } | { ok: false; errors: ProblemFieldError[] };

const rootError = (message: string): ReadResult => ({ ok: false, errors: [{ path: ROOT_PATH, message }] });

/** The yaml package's messages end with a code excerpt after the first line; the first line has the position. */
const firstLine = (message: string) => (message.split('\n', 1)[0] ?? message).trim().replace(/:$/, '');

function readYaml(text: string): ReadResult {
  const doc = parseDocument(indentFlowCollections(text), {
    uniqueKeys: true,
    stringKeys: true,
    merge: false,
    version: '1.1',
  });
  // Warnings (unresolved custom tags, odd keys) are errors too: a config has no use for them and they would
  // otherwise turn into silently different values.
  const problems = [...doc.errors, ...doc.warnings];
  // The parser recurses per nesting level: thousands of `[` exhaust the stack, which is the input's fault.
  if (problems.some((p) => /Maximum call stack/.test(p.message))) return rootError(`invalid YAML: ${TOO_DEEP}`);
  if (problems.length > 0) {
    return {
      ok: false,
      errors: problems.map((p) => ({ path: ROOT_PATH, message: `invalid YAML: ${firstLine(p.message)}` })),
    };
  }
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      return rootError(
        `refused: the YAML expands aliases too often (limit ${MAX_ALIAS_COUNT}), which is how "billion laughs" ` +
          'attacks exhaust memory; write the values out instead of nesting aliases',
      );
    }
    if (error instanceof RangeError) return rootError(`invalid YAML: ${TOO_DEEP}`);
    return rootError(`invalid YAML: ${error instanceof Error ? firstLine(error.message) : String(error)}`);
  }
}

/** Worded as V8 (Node 22+) words it, so a JSON error reads the same whichever side found the position. */
function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line} column ${column}`;
}

/**
 * V8 omits the position for some errors ("Unexpected token"). JSON is YAML flow syntax, so the YAML parser, which
 * always reports a position, can point at the spot.
 */
function locateWithYaml(text: string): string | undefined {
  const position = parseDocument(text).errors[0]?.linePos?.[0];
  return position ? `line ${position.line} column ${position.col}` : undefined;
}

function readJson(text: string): ReadResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/line \d+/.test(message)) return rootError(`invalid JSON: ${message}`);
    const position = /at position (\d+)/.exec(message)?.[1];
    const where = position !== undefined ? lineAndColumn(text, Number(position)) : locateWithYaml(text);
    return rootError(`invalid JSON: ${message}${where ? ` (${where})` : ''}`);
  }
}

/** Depth of nested lists and mappings, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Parses the body and checks that its root is a mapping (the config's sections). */
export function readBody(body: unknown, format: BodyFormat): ReadResult {
  const input = body instanceof Uint8Array ? new TextDecoder().decode(body) : body;
  const read =
    typeof input === 'string'
      ? format === 'yaml'
        ? readYaml(input)
        : readJson(input)
      : { ok: true as const, value: input };
  if (!read.ok) return read;
  const value = read.value;
  if (depthOf(value) > MAX_DEPTH) return rootError(TOO_DEEP);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return rootError(`the config must be a mapping of section names to settings, not ${describeKind(value)}`);
  }
  return read;
}
