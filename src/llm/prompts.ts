/**
 * Prompt templates: every declared prompt is read and compiled at start-up, and a template that uses a variable its
 * spec does not declare fails start-up (with file and names), not a run. Rendering is one nunjucks pass over the
 * template: inserted values are output, never re-parsed, so braces or `{{ }}` inside document text stay literal
 * (the original's single-pass formatter guaranteed the same, blueprint §1.2).
 */
import nunjucks from 'nunjucks';
import { type PromptSource, parseMessages, readPromptSources } from './prompt-files.ts';
import type { ChatMessage, CompiledPrompt, PromptOverrides, RenderedPrompt } from './types.ts';

export type { CompiledPrompt, PromptOverrides };

export interface PromptSpec {
  /** Path under the prompts root without extension, e.g. `representation-variation/filter`. */
  id: string;
  /** Every variable the prompt's files may reference. `error_message` is always allowed. */
  variables: readonly string[];
}

export interface RenderOptions {
  style?: string | undefined;
  vars: Record<string, unknown>;
  completionMode: boolean;
  /** A prompt set's files, by prompt id: used instead of the bundled file (and its style variants) when present. */
  overrides?: PromptOverrides | undefined;
}

export type CompileResult = { ok: true; prompt: CompiledPrompt } | { ok: false; errors: string[] };

export interface PromptLibrary {
  /** Declared prompt ids. */
  ids(): string[];
  /** Styles that override this prompt (names of override folders holding its file). */
  styles(id: string): string[];
  /** Throws for an undeclared id or a missing value: both are programming errors, not item outcomes. */
  render(id: string, options: RenderOptions): RenderedPrompt;
  /**
   * Compiles the text of a prompt file (our YAML format) as a replacement for a declared prompt, checking its shape
   * and that it uses only the prompt's declared variables; every problem is listed, prefixed with `where`.
   */
  compile(id: string, yamlText: string, where: string): CompileResult;
}

/** The variable a retry passes to the prompt (empty on the first attempt). */
export const ERROR_MESSAGE = 'error_message';

// trimBlocks/lstripBlocks: `{% if %}` lines vanish instead of leaving blank lines, as in Jinja prompt files.
const env = new nunjucks.Environment([], {
  autoescape: false,
  throwOnUndefined: true,
  trimBlocks: true,
  lstripBlocks: true,
});

interface CompiledVariant {
  messages: Array<{ role: ChatMessage['role']; template: nunjucks.Template }>;
  txt?: nunjucks.Template;
}

export function loadPrompts(rootDir: string, specs: readonly PromptSpec[]): PromptLibrary {
  const errors: string[] = [];
  const listings = new Map<string, string[]>();
  const prompts = new Map<string, Map<string, CompiledVariant>>();
  for (const spec of specs) {
    if (prompts.has(spec.id)) continue;
    const allowed = new Set([...spec.variables, ERROR_MESSAGE]);
    const variants = new Map<string, CompiledVariant>();
    for (const source of readPromptSources(rootDir, spec.id, errors, listings)) {
      const compiled = compileVariant(source, spec, allowed, errors);
      if (compiled) variants.set(source.style, compiled);
    }
    prompts.set(spec.id, variants);
  }
  if (errors.length > 0) throw new Error(`prompt files are invalid:\n  ${errors.join('\n  ')}`);

  const variantOf = (id: string, style: string | undefined): CompiledVariant => {
    const variants = prompts.get(id);
    const variant = (style ? variants?.get(style) : undefined) ?? variants?.get('');
    if (!variant) throw new Error(`prompt ${id} was not declared to loadPrompts`);
    return variant;
  };
  return {
    ids: () => [...prompts.keys()],
    styles: (id) => [...(prompts.get(id)?.keys() ?? [])].filter((style) => style !== ''),
    compile(id, yamlText, where) {
      const spec = specs.find((s) => s.id === id);
      if (!spec) return { ok: false, errors: [`${where}: no prompt ${id} exists (see GET /v1/prompts)`] };
      const messages = parseMessages(yamlText);
      if (typeof messages === 'string') return { ok: false, errors: [`${where}: ${messages}`] };
      const problems: string[] = [];
      const compiled = compileVariant(
        { style: '', yamlPath: where, messages },
        spec,
        new Set([...spec.variables, ERROR_MESSAGE]),
        problems,
      );
      return compiled ? { ok: true, prompt: { compiled } } : { ok: false, errors: problems };
    },
    render(id, options) {
      const override = options.overrides?.get(id)?.compiled as CompiledVariant | undefined;
      const variant = override ?? variantOf(id, options.style);
      const context = { [ERROR_MESSAGE]: '', ...options.vars };
      const messages = variant.messages.map((m) => ({ role: m.role, content: m.template.render(context).trim() }));
      if (!options.completionMode) return { kind: 'chat', messages };
      if (variant.txt) return { kind: 'completion', prompt: variant.txt.render(context) };
      // ⚠ §1.2: the original failed in completion mode for prompts without a .txt file; a transcript works instead.
      return { kind: 'completion', prompt: transcript(messages) };
    },
  };
}

const LABEL: Record<ChatMessage['role'], string> = { system: 'SYSTEM', user: 'USER', assistant: 'ASSISTANT' };

/** Chat messages as one completion-mode prompt that ends where the assistant's answer begins. */
export function transcript(messages: ChatMessage[]): string {
  return `${messages.map((m) => `${LABEL[m.role]}:\n${m.content}\n\n`).join('')}${LABEL.assistant}:\n`;
}

function compileVariant(
  source: PromptSource,
  spec: PromptSpec,
  allowed: Set<string>,
  errors: string[],
): CompiledVariant | undefined {
  const before = errors.length;
  const compile = (text: string, where: string): nunjucks.Template | undefined => {
    try {
      const unknown = referencedVariables(text).filter((name) => !allowed.has(name));
      if (unknown.length > 0) {
        errors.push(
          `${where}: references ${unknown.map((n) => `{{ ${n} }}`).join(', ')}, not declared for prompt ${spec.id}` +
            ` (declared: ${[...allowed].join(', ')})`,
        );
        return undefined;
      }
      return new nunjucks.Template(text, env, where, true);
    } catch (error) {
      errors.push(`${where}: template does not compile: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const messages = source.messages.map((m, i) => ({
    role: m.role,
    template: compile(m.content, `${source.yamlPath} (message ${i + 1})`),
  }));
  const txt = source.txt !== undefined && source.txtPath ? compile(source.txt, source.txtPath) : undefined;
  if (errors.length > before) return undefined;
  return {
    messages: messages.map((m) => ({ role: m.role, template: m.template as nunjucks.Template })),
    ...(txt ? { txt } : {}),
  };
}

/** The minimal shape of nunjucks' (undocumented) parser AST that the variable check walks. */
interface AstNode {
  typename: string;
  fields: string[];
  value?: unknown;
  [field: string]: unknown;
}
const parser = (nunjucks as unknown as { parser: { parse(src: string, ext: unknown[], opts: object): AstNode } })
  .parser;

const GLOBALS = new Set(['loop', 'range', 'cycler', 'joiner', 'caller', 'super']);

/**
 * Names a template reads from its context: every Symbol in the AST except filter and function names, names the
 * template binds itself ({% for %}, {% set %}, macros) and nunjucks' globals. Scoping is ignored (a name bound
 * anywhere counts as bound), which can only let an unusual template through, never reject a valid one.
 */
export function referencedVariables(source: string): string[] {
  const root = parser.parse(source, [], { trimBlocks: true, lstripBlocks: true });
  const read = new Set<string>();
  const bound = new Set<string>();
  const symbols = (node: unknown, into: Set<string>) => {
    for (const n of Array.isArray(node) ? node : [node]) {
      if (isNode(n) && n.typename === 'Symbol') into.add(String(n.value));
      else if (isNode(n) && (n.typename === 'Array' || n.typename === 'NodeList')) symbols(n['children'], into);
    }
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) walk(child);
      return;
    }
    if (!isNode(node)) return;
    if (node.typename === 'Symbol') read.add(String(node.value));
    const skip = new Set<string>();
    if (['FunCall', 'Filter', 'FilterAsync'].includes(node.typename)) skip.add('name');
    if (['For', 'AsyncEach', 'AsyncAll'].includes(node.typename)) {
      symbols(node['name'], bound);
      skip.add('name');
    }
    if (node.typename === 'Set') {
      symbols(node['targets'], bound);
      skip.add('targets');
    }
    if (node.typename === 'Macro' || node.typename === 'Caller') {
      symbols(node['name'], bound);
      walkMacroArgs(node['args'], bound);
      skip.add('name');
    }
    for (const field of node.fields) if (!skip.has(field)) walk(node[field]);
  };
  walk(root);
  return [...read].filter((name) => !bound.has(name) && !GLOBALS.has(name)).sort();
}

function walkMacroArgs(args: unknown, bound: Set<string>): void {
  if (!isNode(args)) return;
  for (const child of (args['children'] as unknown[]) ?? []) {
    if (isNode(child) && child.typename === 'Symbol') bound.add(String(child.value));
    if (isNode(child) && child.typename === 'KeywordArgs') {
      for (const pair of (child['children'] as unknown[]) ?? []) {
        if (isNode(pair) && isNode(pair['key'])) bound.add(String(pair['key'].value));
      }
    }
  }
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && Array.isArray((value as { fields?: unknown }).fields);
}
