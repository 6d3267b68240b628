/**
 * Prompt sets at work: checking an uploaded set (every file compiles against its prompt's declared variables, ends
 * with the user message that carries the input, and has few-shot answers its step's parser accepts — every problem
 * listed), and compiling the sets a stage's config names into the overrides its LLM calls render with. Uploaded sets
 * are immutable, so compiled sets are cached by id. The bundled `prompts_local` set is read from `prompts-local/`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isBundledPromptSet, LOCAL_PROMPT_SET, promptSetsForStage } from '../config/composition/prompt-sets.ts';
import type { CompositionConfig } from '../config/composition/schema.ts';
import type { Db } from '../db/client.ts';
import { getPromptSetByName } from '../db/queries/prompt-sets.ts';
import type { ProblemFieldError } from '../lib/errors.ts';
import { parseMessages } from '../llm/prompt-files.ts';
import type { CompiledPrompt, PromptLibrary, PromptOverrides } from '../llm/prompts.ts';
import { parserForPrompt } from '../pipelines/prompt-parsers.ts';

/** A bundled prompt as `GET /v1/prompts` lists it. */
export interface PromptEntry {
  id: string;
  /** The prompt's folder: the pipeline that uses it. */
  group: string;
  variables: readonly string[];
  /** The file's leading comment: what the prompt is for, its variables and its answer contract. */
  description: string;
  messages: Array<{ role: string; content: string }>;
  /** Factual ways with a bundled variant of it. */
  styles: string[];
  /** Whether `prompts_local` has a compact version. */
  inLocalSet: boolean;
}

export class PromptSets {
  private readonly compiled = new Map<string, PromptOverrides>();
  readonly local: PromptOverrides;

  constructor(
    private readonly db: Db,
    readonly library: PromptLibrary,
    private readonly dirs: { bundled: string; local: string },
    private readonly specs: ReadonlyArray<{ id: string; variables: readonly string[] }>,
  ) {
    this.local = loadBundledSet(library, dirs.local);
  }

  /** Every bundled prompt with its text, variables and contract. */
  catalog(): PromptEntry[] {
    return this.specs.map((spec) => {
      const text = readFileSync(path.join(this.dirs.bundled, `${spec.id}.yaml`), 'utf8');
      const messages = parseMessages(text);
      const description = text
        .split('\n')
        .filter((line, i, lines) => line.startsWith('#') && lines.slice(0, i).every((l) => l.startsWith('#')))
        .map((line) => line.replace(/^#\s?/, ''))
        .join('\n');
      return {
        id: spec.id,
        group: spec.id.split('/')[0] ?? spec.id,
        variables: spec.variables,
        description,
        messages: typeof messages === 'string' ? [] : messages,
        styles: this.library.styles(spec.id),
        inLocalSet: this.local.has(spec.id),
      };
    });
  }

  /** Problems with an uploaded set's files (prompt id → YAML text), each at `body.files.<id>`. */
  check(files: Readonly<Record<string, string>>): ProblemFieldError[] {
    const problems: ProblemFieldError[] = [];
    if (Object.keys(files).length === 0)
      problems.push({ path: 'body.files', message: 'a prompt set needs at least one file' });
    for (const [id, text] of Object.entries(files)) {
      const where = `body.files.${id}`;
      for (const message of checkPromptFile(this.library, id, text)) problems.push({ path: where, message });
    }
    return problems;
  }

  /**
   * The overrides a stage's calls render with: its `*_prompts` set over its `*_default_prompts` set (the uploaded
   * sets of the run's project, or `prompts_local`); undefined when both are bundled folders.
   */
  async forStage(
    projectId: string,
    config: CompositionConfig,
    kind: string,
    params: Record<string, unknown>,
  ): Promise<PromptOverrides | undefined> {
    const names = promptSetsForStage(config, kind, params);
    const merged = new Map<string, CompiledPrompt>();
    // Lowest priority first, so the stage's own set wins over its default set.
    for (const name of [...names].reverse()) {
      const set =
        name === LOCAL_PROMPT_SET
          ? this.local
          : isBundledPromptSet(name)
            ? undefined
            : await this.uploaded(projectId, name);
      for (const [id, prompt] of set ?? []) merged.set(id, prompt);
    }
    return merged.size > 0 ? merged : undefined;
  }

  private async uploaded(projectId: string, name: string): Promise<PromptOverrides> {
    const row = await getPromptSetByName(this.db, projectId, name);
    if (!row) throw new Error(`prompt set "${name}" does not exist in this project`);
    const hit = this.compiled.get(row.id);
    if (hit) return hit;
    const set = new Map<string, CompiledPrompt>();
    for (const [id, text] of Object.entries(row.files)) {
      const result = this.library.compile(id, text, `prompt set ${name}: ${id}`);
      if (!result.ok) throw new Error(result.errors.join('; '));
      set.set(id, result.prompt);
    }
    if (this.compiled.size > 200) this.compiled.clear();
    this.compiled.set(row.id, set);
    return set;
  }
}

/** What is wrong with one prompt file meant to replace prompt `id` (empty when nothing is). */
export function checkPromptFile(library: PromptLibrary, id: string, text: string): string[] {
  const result = compileCheckedPrompt(library, id, text);
  return result.ok ? [] : result.problems;
}

/** A prompt file compiled, once it passes every check of an upload (else what is wrong with it). */
function compileCheckedPrompt(
  library: PromptLibrary,
  id: string,
  text: string,
): { ok: true; prompt: CompiledPrompt } | { ok: false; problems: string[] } {
  const compiled = library.compile(id, text, id);
  if (!compiled.ok) return { ok: false, problems: compiled.errors.map((e) => e.replace(`${id}: `, '')) };
  const messages = parseMessages(text);
  if (typeof messages === 'string') return { ok: false, problems: [messages] };
  const problems: string[] = [];
  if (messages.at(-1)?.role !== 'user') problems.push('must end with the user message that carries the input');
  const parser = parserForPrompt(id);
  messages.forEach((message, i) => {
    if (message.role !== 'assistant' || !parser) return;
    const result = parser(message.content);
    if (result.kind !== 'ok') {
      problems.push(`message ${i + 1} (a few-shot answer) is not accepted by the step's parser: ${result.reason}`);
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, prompt: compiled.prompt };
}

/** A bundled set: every `<id>.yaml` under `dir`, compiled; a file that does not check out stops start-up. */
function loadBundledSet(library: PromptLibrary, dir: string): PromptOverrides {
  const set = new Map<string, CompiledPrompt>();
  const errors: string[] = [];
  const walk = (folder: string): string[] => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return [];
    }
    return entries.flatMap((e) => (e.isDirectory() ? walk(path.join(folder, e.name)) : [path.join(folder, e.name)]));
  };
  for (const file of walk(dir).filter((f) => f.endsWith('.yaml'))) {
    const id = path
      .relative(dir, file)
      .replace(/\.yaml$/, '')
      .split(path.sep)
      .join('/');
    const result = compileCheckedPrompt(library, id, readFileSync(file, 'utf8'));
    if (result.ok) set.set(id, result.prompt);
    else errors.push(`${file}: ${result.problems.join('; ')}`);
  }
  if (errors.length > 0) throw new Error(`bundled prompt set is invalid:\n  ${errors.join('\n  ')}`);
  return set;
}
