/**
 * Which template renders the RAG and correction records (⚠ blueprint §6.4: the original always rendered them in
 * its ATK style, so a `chatml` or custom `template` left them inconsistent with the factual data). Here the chosen
 * `final_datasaving_settings.template` renders them too, unless the config sets their own format keys to something
 * other than the defaults: keys the user set explicitly win.
 */
import { CORRECTION_PROMPT_TEMPLATE, RAG_ASSISTANT_FORMAT, RAG_SYSTEM_FORMAT, RAG_USER_FORMAT } from './prose.ts';
import type { CompositionConfig } from './schema.ts';

/** True when the RAG records use the chosen template; false when the config's own segment formats apply. */
export function ragUsesTemplate(config: CompositionConfig): boolean {
  const rag = config.rag_data;
  return (
    rag.system_format === RAG_SYSTEM_FORMAT &&
    rag.user_format === RAG_USER_FORMAT &&
    rag.assistant_format === RAG_ASSISTANT_FORMAT
  );
}

/** True when the correction records use the chosen template; false when `correction_prompt_template` was set. */
export function correctionUsesTemplate(config: CompositionConfig): boolean {
  return config.correction_pipeline.correction_prompt_template === CORRECTION_PROMPT_TEMPLATE;
}
