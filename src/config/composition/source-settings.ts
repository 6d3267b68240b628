/**
 * Per-source settings: the original's per-`input_dirs` entry settings, stored with each source of a project. A run
 * resolves them as config entry value > stored value > default (blueprint §11 defaults), so a config only needs to
 * name what differs for that run.
 */
import { z } from 'zod';

/** The eight settings without defaults: the building block of the stored, patch and config-entry schemas. */
export const sourceSettingFields = {
  variation_generation_counts: z.int().min(0),
  final_system_prompt_additional_context: z.string(),
  factual_gen_subset_size_per_way: z.int().min(0),
  factual_gen_use_subset: z.boolean(),
  rag_subset_size: z.int().min(0),
  rag_use_subset: z.boolean(),
  correction_subset_size: z.int().min(0),
  correction_use_subset: z.boolean(),
};

const fieldsSchema = z.strictObject(sourceSettingFields);

/** The resolved settings; structurally the pipelines' `SourceSettings` (config may not import pipelines). */
export type ResolvedSourceSettings = z.output<typeof fieldsSchema>;

export const SOURCE_SETTING_DEFAULTS: Readonly<ResolvedSourceSettings> = Object.freeze({
  variation_generation_counts: 4,
  final_system_prompt_additional_context: 'Think first, then respond.',
  factual_gen_subset_size_per_way: 20,
  factual_gen_use_subset: true,
  rag_subset_size: 20,
  rag_use_subset: true,
  correction_subset_size: 10,
  correction_use_subset: true,
});

const d = SOURCE_SETTING_DEFAULTS;

/** A source's stored settings: every key optional on input, filled with its default. */
export const sourceSettingsSchema = z.strictObject({
  variation_generation_counts: sourceSettingFields.variation_generation_counts.default(d.variation_generation_counts),
  final_system_prompt_additional_context: sourceSettingFields.final_system_prompt_additional_context.default(
    d.final_system_prompt_additional_context,
  ),
  factual_gen_subset_size_per_way: sourceSettingFields.factual_gen_subset_size_per_way.default(
    d.factual_gen_subset_size_per_way,
  ),
  factual_gen_use_subset: sourceSettingFields.factual_gen_use_subset.default(d.factual_gen_use_subset),
  rag_subset_size: sourceSettingFields.rag_subset_size.default(d.rag_subset_size),
  rag_use_subset: sourceSettingFields.rag_use_subset.default(d.rag_use_subset),
  correction_subset_size: sourceSettingFields.correction_subset_size.default(d.correction_subset_size),
  correction_use_subset: sourceSettingFields.correction_use_subset.default(d.correction_use_subset),
});

/** A partial update: only the given keys change (no defaults, so absent keys keep their stored value). */
export const sourcePatchSchema = fieldsSchema.partial();

export type SourceSettingsPatch = z.output<typeof sourcePatchSchema>;

const settingKeys = Object.keys(sourceSettingFields) as Array<keyof ResolvedSourceSettings>;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Final settings of one source for one run. `stored` is the source's saved settings (validated when saved; a value
 * that no longer validates, e.g. from an older service version, falls back to the default rather than failing every
 * run). `fromConfig` is the config's `input_dirs` entry naming the source: its `path` and absent keys are ignored,
 * but an invalid value is a programming error (the config was validated) and throws.
 */
export function resolveSourceSettings(
  stored: unknown,
  fromConfig?: Readonly<Record<string, unknown>>,
): ResolvedSourceSettings {
  const merged: Record<string, unknown> = { ...SOURCE_SETTING_DEFAULTS };
  const storedRecord = isRecord(stored) ? stored : {};
  for (const key of settingKeys) {
    const field: z.ZodType = sourceSettingFields[key];
    const fromStore = storedRecord[key];
    if (fromStore !== undefined && field.safeParse(fromStore).success) merged[key] = fromStore;
    const fromEntry = fromConfig?.[key];
    if (fromEntry !== undefined) merged[key] = field.parse(fromEntry);
  }
  return fieldsSchema.parse(merged);
}
