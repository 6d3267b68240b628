/**
 * Finding and reading prompt files (no templating here; prompts.ts compiles what this returns). A prompt id is a path
 * under the prompts root without extension: `<id>.yaml` holds the chat messages, `<id>.txt` the optional
 * completion-mode variant, and `<dirname(id)>/<style>/<basename(id)>.{yaml,txt}` a factual style's override.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ChatMessage } from './types.ts';

/** One prompt variant as read from disk: the default or one style's override. */
export interface PromptSource {
  /** '' for the default, else the style (override folder name). */
  style: string;
  yamlPath: string;
  messages: ChatMessage[];
  txtPath?: string;
  txt?: string;
}

const ROLES = new Set(['system', 'user', 'assistant']);

/** The messages of a YAML prompt file, or a description of what is wrong with it. */
export function parseMessages(source: string): ChatMessage[] | string {
  let doc: unknown;
  try {
    doc = parseYaml(source);
  } catch (error) {
    return `is not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
  if (!Array.isArray(doc) || doc.length === 0) return 'must be a non-empty YAML list of {role, content} messages';
  const messages: ChatMessage[] = [];
  for (const [i, item] of doc.entries()) {
    const entry = item as { role?: unknown; content?: unknown } | null;
    if (!entry || typeof entry !== 'object' || typeof entry.role !== 'string' || !ROLES.has(entry.role)) {
      return `message ${i + 1} must have a role of system, user or assistant`;
    }
    if (typeof entry.content !== 'string') return `message ${i + 1} (${entry.role}) must have a string content`;
    messages.push({ role: entry.role as ChatMessage['role'], content: entry.content });
  }
  return messages;
}

/**
 * The default file of a prompt and every style override beside it. Problems (missing default, bad YAML) are pushed
 * to `errors` so start-up can report all of them at once.
 */
export function readPromptSources(
  rootDir: string,
  id: string,
  errors: string[],
  listings = new Map<string, string[]>(),
): PromptSource[] {
  const base = path.join(rootDir, id);
  const sources: PromptSource[] = [];
  const defaultSource = readVariant(base, '', errors);
  if (!defaultSource) {
    if (!existsSync(`${base}.yaml`)) errors.push(`prompt ${id}: file ${base}.yaml does not exist`);
    return sources;
  }
  sources.push(defaultSource);
  const dir = path.dirname(base);
  const name = path.basename(base);
  for (const style of subdirectories(dir, listings)) {
    const override = readVariant(path.join(dir, style, name), style, errors);
    if (override) sources.push(override);
  }
  return sources;
}

function readVariant(base: string, style: string, errors: string[]): PromptSource | undefined {
  const yamlPath = `${base}.yaml`;
  if (!existsSync(yamlPath)) return undefined;
  const messages = parseMessages(readFileSync(yamlPath, 'utf8'));
  if (typeof messages === 'string') {
    errors.push(`${yamlPath}: ${messages}`);
    return undefined;
  }
  const txtPath = `${base}.txt`;
  const source: PromptSource = { style, yamlPath, messages };
  if (existsSync(txtPath)) {
    source.txtPath = txtPath;
    source.txt = readFileSync(txtPath, 'utf8');
  }
  return source;
}

/** Sub-folders of a prompt folder (style candidates); memoised per load because many prompts share a folder. */
function subdirectories(dir: string, listings: Map<string, string[]>): string[] {
  let names = listings.get(dir);
  if (!names) {
    names = existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => entry.name)
      : [];
    listings.set(dir, names);
  }
  return names;
}
