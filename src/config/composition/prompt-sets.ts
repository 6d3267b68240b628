/**
 * Which prompt sets a config names, and which of them a stage's calls use. The original's prompt keys name folders:
 * `prompts` and `prompts_inferred_facts` (the bundled prompts), `prompt_overrides/<way>` (a factual way's bundled
 * style), `prompts_local` (its
 * compact prompts for small local models). Here those names keep their meaning, and any other name is a prompt set
 * uploaded to the project (`POST /v1/projects/{id}/prompt-sets`). A stage reads its `*_prompts` set first and its
 * `*_default_prompts` set for prompts the first does not have, then the bundled file. Pure.
 */
import type { CompositionConfig } from './schema.ts';

export const LOCAL_PROMPT_SET = 'prompts_local';

/** The original's own folder names, which mean the bundled prompts (its inferred-facts folder included). */
const BUNDLED_FOLDERS = new Set(['prompts', 'prompts_inferred_facts', LOCAL_PROMPT_SET]);

/** Names that mean a bundled folder rather than an uploaded set. */
export function isBundledPromptSet(name: string): boolean {
  return BUNDLED_FOLDERS.has(name) || name.startsWith('prompt_overrides/');
}

type Ref = { path: string; name: string };

/** Every prompt key of the config with the set it names, as `[prompts, default_prompts]` pairs per stage. */
function stageKeys(config: CompositionConfig): Record<string, Ref[]> {
  const pair = (section: string, record: Record<string, unknown>, first: string, fallback?: string): Ref[] =>
    [first, fallback]
      .filter((key): key is string => key !== undefined && typeof record[key] === 'string')
      .map((key) => ({ path: `${section}.${key}`, name: record[key] as string }));
  const keys: Record<string, Ref[]> = {
    pdf_cleaning: pair('pdf_cleaning', config.pdf_cleaning, 'pdf_cleaning_prompts', 'pdf_cleaning_default_prompts'),
    representation_variation: pair(
      'representation_variation',
      config.representation_variation,
      'representation_variation_prompts',
      'representation_variation_default_prompts',
    ),
    inferred_facts: pair(
      'representation_variation',
      config.representation_variation,
      'representation_variation_prompts_inferred',
      'representation_variation_default_prompts_inferred',
    ),
    thought_rewrite: pair('transform_generic_data', config.transform_generic_data, 'transform_generic_prompts'),
    rag_data: pair('rag_data', config.rag_data, 'rag_prompts', 'rag_default_prompts'),
    correction: pair(
      'correction_pipeline',
      config.correction_pipeline,
      'correction_prompts',
      'correction_default_prompts',
    ),
  };
  for (const [way, settings] of Object.entries(config.factual_sft)) {
    keys[`factual_sft/${way}`] = pair(
      `factual_sft.${way}`,
      settings as unknown as Record<string, unknown>,
      'prompts',
      'default_prompts',
    );
  }
  return keys;
}

/** Every prompt key naming a set, for checking at submission that the uploaded ones exist. */
export function promptSetReferences(config: CompositionConfig): Ref[] {
  return Object.values(stageKeys(config)).flat();
}

/** The sets a stage's calls read, first match wins (a factual stage's way comes from its params). */
export function promptSetsForStage(config: CompositionConfig, kind: string, params: Record<string, unknown>): string[] {
  const key = kind === 'factual_sft' ? `factual_sft/${String(params.style)}` : kind;
  return (stageKeys(config)[key] ?? []).map((ref) => ref.name);
}
