/**
 * Per-source settings: stored with defaults, patched partially, and resolved for a run as config entry > stored
 * value > default.
 */
import { describe, expect, it } from 'vitest';
import {
  resolveSourceSettings,
  SOURCE_SETTING_DEFAULTS,
  sourcePatchSchema,
  sourceSettingsSchema,
} from '../../../src/config/composition/source-settings.ts';

describe('sourceSettingsSchema', () => {
  it('fills every key with its default', () => {
    expect(sourceSettingsSchema.parse({})).toEqual({
      variation_generation_counts: 4,
      final_system_prompt_additional_context: 'Think first, then respond.',
      factual_gen_subset_size_per_way: 20,
      factual_gen_use_subset: true,
      rag_subset_size: 20,
      rag_use_subset: true,
      correction_subset_size: 10,
      correction_use_subset: true,
    });
  });

  it('is strict and validates counts', () => {
    const result = sourceSettingsSchema.safeParse({ path: 'x', rag_subset_size: -1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.code).sort()).toEqual(['too_small', 'unrecognized_keys']);
  });
});

describe('sourcePatchSchema', () => {
  it('keeps only the given keys', () => {
    expect(sourcePatchSchema.parse({ rag_use_subset: false })).toEqual({ rag_use_subset: false });
    expect(sourcePatchSchema.safeParse({ bogus: 1 }).success).toBe(false);
  });
});

describe('resolveSourceSettings', () => {
  it('uses the defaults when nothing is stored or configured', () => {
    expect(resolveSourceSettings(undefined)).toEqual(SOURCE_SETTING_DEFAULTS);
    expect(resolveSourceSettings({})).toEqual(SOURCE_SETTING_DEFAULTS);
  });

  it('prefers the config entry over the stored value over the default', () => {
    const stored = { rag_subset_size: 50, correction_use_subset: false, variation_generation_counts: 2 };
    const entry = { path: 'manuals', rag_subset_size: 5, factual_gen_use_subset: false };
    expect(resolveSourceSettings(stored, entry)).toEqual({
      ...SOURCE_SETTING_DEFAULTS,
      rag_subset_size: 5,
      factual_gen_use_subset: false,
      correction_use_subset: false,
      variation_generation_counts: 2,
    });
  });

  it('ignores absent config keys and stored values that no longer validate', () => {
    const stored = { rag_subset_size: 'many', retired_setting: true, correction_subset_size: 3 };
    expect(resolveSourceSettings(stored, { path: 'x', rag_use_subset: undefined })).toEqual({
      ...SOURCE_SETTING_DEFAULTS,
      correction_subset_size: 3,
    });
  });

  it('throws on an invalid config value (the config was validated before)', () => {
    expect(() => resolveSourceSettings({}, { path: 'x', rag_subset_size: -3 })).toThrow();
  });
});
