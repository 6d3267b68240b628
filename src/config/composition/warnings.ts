/**
 * Warnings about an accepted config: settings this service deliberately ignores, and parts of the composition that
 * this service version cannot run yet. A warning never rejects the config; it tells the client what will not
 * happen so nothing is silently dropped (the original printed "unused kwargs" to a console nobody read).
 */
import type { ProblemFieldError } from '../../lib/errors.ts';
import { LLM_SECTIONS, resolveEndpoints } from './endpoints.ts';
import { type CompositionConfig, defaultCompositionConfig } from './schema.ts';
import { SECRET_SET_MARKER, secretEntries } from './secrets.ts';
import { correctionUsesTemplate, ragUsesTemplate } from './sft-rendering.ts';
import { resolveSourceSettings } from './source-settings.ts';

const MANAGED_PATHS = ['output_dir', 'models_dir', 'huggingface_cache_dir'] as const;

/** Keys the original accepted without effect; warned about only when set to something other than the default. */
const INERT_KEYS = [
  ['system', 'use_stop', "each section's own *_use_stop applies"],
  ['system', 'chunk_size', "each section's own chunk size applies"],
  ['factual_sft_settings', 'factual_completion_mode', 'factual generation uses system.completion_mode'],
  ['correction_pipeline', 'correction_use_subset', "each source's correction_use_subset applies"],
  ['correction_pipeline', 'correction_subset_size', "each source's correction_subset_size applies"],
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Warnings that depend on what the client wrote (`raw`, the body before defaults) and on the parsed config. */
export function parseWarnings(raw: Readonly<Record<string, unknown>>, config: CompositionConfig): ProblemFieldError[] {
  const warnings: ProblemFieldError[] = [];
  const rawPath = raw['path'];
  for (const key of MANAGED_PATHS) {
    if (isRecord(rawPath) && rawPath[key] !== undefined) {
      warnings.push({
        path: `path.${key}`,
        message: 'ignored: the service manages storage itself; outputs are downloaded from the run',
      });
    }
  }
  if (config.model_auto_train.do_train) {
    warnings.push({
      path: 'model_auto_train.do_train',
      message: 'ignored: automatic training is not supported by this service; train with the generated Axolotl configs',
    });
  }
  if (config.model_auto_run.do_run) {
    warnings.push({
      path: 'model_auto_run.do_run',
      message: 'ignored: running or serving the trained model is not supported by this service',
    });
  }
  const template = config.final_datasaving_settings.template;
  if (template !== 'atk') {
    const which = template === 'chatml' ? 'the chatml template' : 'the custom template';
    warnings.push(
      ragUsesTemplate(config)
        ? {
            path: 'rag_data',
            message: `RAG records are rendered with ${which} (final_datasaving_settings.template), like the factual data`,
          }
        : {
            path: 'rag_data',
            message: `RAG records are rendered with the config's own system_format, user_format and assistant_format, not ${which}`,
          },
      correctionUsesTemplate(config)
        ? {
            path: 'correction_pipeline',
            message: `correction records are rendered with ${which} (final_datasaving_settings.template), like the factual data`,
          }
        : {
            path: 'correction_pipeline.correction_prompt_template',
            message: `correction records are rendered with this template, not ${which}`,
          },
    );
  }
  const defaults = defaultCompositionConfig();
  for (const [section, key, why] of INERT_KEYS) {
    const given = (config[section] as Readonly<Record<string, unknown>>)[key];
    if (given !== (defaults[section] as Readonly<Record<string, unknown>>)[key]) {
      warnings.push({ path: `${section}.${key}`, message: `has no effect: ${why}` });
    }
  }
  for (const section of LLM_SECTIONS) {
    const endpoints = resolveEndpoints(config, {}, section);
    for (const size of ['small', 'large'] as const) {
      if (!endpoints[size].unpriced) continue;
      warnings.push({
        path: section,
        message:
          `no price for ${size} model "${endpoints[size].model}" (the default price is for another model): its calls ` +
          `will show a cost of 0; set this section's ${size} input and output cost keys to track spend`,
      });
    }
  }
  if (raw['dataset_context'] === undefined) {
    warnings.push({
      path: 'dataset_context',
      message:
        `not set: every pretraining line will say "[[[OVERALL_CONTEXT_IS -> ${config.dataset_context}]]]" and the ` +
        'system prompts will speak of "the documents"; name what your documents are about',
    });
  }
  for (const { path, value } of secretEntries(raw)) {
    if (value === SECRET_SET_MARKER) {
      warnings.push({
        path,
        message: `"${SECRET_SET_MARKER}" only marks a stored key in documents the service returns; no key is set here, send the key itself`,
      });
    }
  }
  return warnings;
}

/**
 * The chunk subsets in force for the sources a run of this config reads (the original's defaults cap every stage at a
 * few dozen chunks per source, which surprises anyone expecting all their documents to be used). `sources`: the
 * project's sources with their stored settings.
 */
export function subsetWarnings(
  config: CompositionConfig,
  sources: ReadonlyArray<{ name: string; settings: unknown }>,
): ProblemFieldError[] {
  const warnings: ProblemFieldError[] = [];
  if (config.system.use_subset) {
    warnings.push({
      path: 'system.use_subset',
      message:
        `on: representation variation and inferred facts read at most ${config.system.subset_size} chunks per ` +
        'source (system.subset_size) and skip the rest; set use_subset: false to use every chunk',
    });
  }
  const entries = config.path.input_dirs;
  const chosen = entries && entries.length > 0 ? entries.map((e) => e.path) : sources.map((s) => s.name);
  for (const name of chosen) {
    const source = sources.find((s) => s.name === name);
    if (!source) continue;
    const entryIndex = entries?.findIndex((e) => e.path === name) ?? -1;
    const settings = resolveSourceSettings(source.settings, entryIndex >= 0 ? entries?.[entryIndex] : undefined);
    const caps = [
      settings.factual_gen_use_subset && `factual SFT ${settings.factual_gen_subset_size_per_way} per way`,
      settings.rag_use_subset && `RAG data ${settings.rag_subset_size}`,
      settings.correction_use_subset && `correction data ${settings.correction_subset_size}`,
    ].filter((cap): cap is string => Boolean(cap));
    if (caps.length === 0) continue;
    warnings.push({
      path: entryIndex >= 0 ? `path.input_dirs.${entryIndex}` : `sources.${name}`,
      message:
        `source "${name}": chunk subsets in force — ${caps.join(', ')} chunks at most; the other chunks are skipped ` +
        '(set factual_gen_use_subset / rag_use_subset / correction_use_subset to false, on the source or in input_dirs, to use them all)',
    });
  }
  return warnings;
}
