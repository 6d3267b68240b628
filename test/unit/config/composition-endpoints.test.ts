/**
 * Endpoint resolution per section: the differing key names (models, URLs, keys, prices), the section's own
 * use_stop, completion mode, and keys coming from the secret map of a stored document.
 */
import { describe, expect, it } from 'vitest';
import {
  chunkSizeFor,
  concurrencyLimit,
  type LlmSection,
  resolveEmbeddings,
  resolveEndpoints,
} from '../../../src/config/composition/endpoints.ts';
import { parseCompositionConfig } from '../../../src/config/composition/parse.ts';
import { compositionConfigSchema, defaultCompositionConfig } from '../../../src/config/composition/schema.ts';
import { splitSecrets } from '../../../src/config/composition/secrets.ts';

/** Every section with its distinct prices so a mix-up of key names shows. */
const config = compositionConfigSchema.parse({
  system: { completion_mode: true, concurrency_limit: 12 },
  pdf_cleaning: {
    pdf_cleaning_small_model: 'pdf-s',
    pdf_cleaning_large_model: 'pdf-l',
    pdf_cleaning_small_base_url: 'http://localhost:8082/v1',
    pdf_cleaning_small_api_key: 'k-pdf',
    pdf_cleaning_use_stop: false,
    pdf_cleaning_cost_small_input: 1,
    pdf_cleaning_cost_small_output: 2,
    pdf_cleaning_cost_large_input: 3,
    pdf_cleaning_cost_large_output: 4,
    pdf_cleaning_chunk_size: 111,
  },
  representation_variation: {
    representation_variation_cost_small_input: 5,
    representation_variation_cost_large_output: 6,
    representation_variation_chunk_size: 222,
  },
  factual_sft_settings: {
    factual_use_stop: false,
    factual_large_model: 'fact-l',
    factual_cost_per_million_small_input: 7,
    factual_cost_per_million_large_output: 8,
    factual_chunk_size: 333,
  },
  rag_data: { rag_use_stop: true, rag_cost_per_million_large_input: 9, rag_small_api_key: '!!PLACEHOLDER!!' },
  correction_pipeline: {
    correction_completion_mode: false,
    correction_cost_per_million_small_output: 10,
    correction_chunk_size: 444,
  },
  transform_generic_data: { transform_generic_data_cost_per_million_large_input: 11 },
});

describe('resolveEndpoints', () => {
  it('reads the pdf_cleaning keys (cost keys without "per_million")', () => {
    const r = resolveEndpoints(config, {}, 'pdf_cleaning');
    expect(r.small).toEqual({
      model: 'pdf-s',
      baseUrl: 'http://localhost:8082/v1',
      apiKey: 'k-pdf',
      mode: 'api',
      costPerMillionInput: 1,
      costPerMillionOutput: 2,
    });
    expect(r.large).toMatchObject({ model: 'pdf-l', apiKey: '', costPerMillionInput: 3, costPerMillionOutput: 4 });
    expect(r.useStop).toBe(false);
    expect(r.completionMode).toBe(true);
  });

  it('reads each section with its own price key names', () => {
    expect(resolveEndpoints(config, {}, 'representation_variation').small.costPerMillionInput).toBe(5);
    expect(resolveEndpoints(config, {}, 'representation_variation').large.costPerMillionOutput).toBe(6);
    const factual = resolveEndpoints(config, {}, 'factual_sft_settings');
    expect(factual.small.costPerMillionInput).toBe(7);
    expect(factual.large).toMatchObject({ model: 'fact-l', costPerMillionOutput: 8 });
    expect(resolveEndpoints(config, {}, 'rag_data').large.costPerMillionInput).toBe(9);
    expect(resolveEndpoints(config, {}, 'correction_pipeline').small.costPerMillionOutput).toBe(10);
    expect(resolveEndpoints(config, {}, 'transform_generic_data').large).toMatchObject({
      model: 'deepseek-ai/DeepSeek-V3',
      costPerMillionInput: 11,
    });
  });

  it("honours each section's own use_stop (factual_use_stop included)", () => {
    expect(resolveEndpoints(config, {}, 'factual_sft_settings').useStop).toBe(false);
    expect(resolveEndpoints(config, {}, 'rag_data').useStop).toBe(true);
    const defaults = defaultCompositionConfig();
    const sections: LlmSection[] = [
      'pdf_cleaning',
      'representation_variation',
      'factual_sft_settings',
      'rag_data',
      'correction_pipeline',
      'transform_generic_data',
    ];
    for (const section of sections) {
      const r = resolveEndpoints(defaults, {}, section);
      expect(r.useStop).toBe(true);
      expect(r.completionMode).toBe(false);
      expect(r.small.baseUrl).toBe('https://api.deepinfra.com/v1/openai');
    }
  });

  it('uses system.completion_mode except for correction, which has its own', () => {
    expect(resolveEndpoints(config, {}, 'factual_sft_settings').completionMode).toBe(true);
    expect(resolveEndpoints(config, {}, 'transform_generic_data').completionMode).toBe(true);
    expect(resolveEndpoints(config, {}, 'correction_pipeline').completionMode).toBe(false);
  });

  it('treats a placeholder key as unset', () => {
    expect(resolveEndpoints(config, {}, 'rag_data').small.apiKey).toBe('');
  });

  it('takes keys from the secret map when given the stored document', () => {
    const { document, secrets } = splitSecrets(config);
    expect(resolveEndpoints(document, {}, 'pdf_cleaning').small.apiKey).toBe('');
    expect(resolveEndpoints(document, secrets, 'pdf_cleaning').small.apiKey).toBe('k-pdf');
  });
});

describe('chunk sizes, concurrency, embeddings', () => {
  it('maps each chunking kind to its key (rag uses factual_chunk_size)', () => {
    expect(chunkSizeFor(config, 'pdf_cleaning')).toBe(111);
    expect(chunkSizeFor(config, 'representation_variation')).toBe(222);
    expect(chunkSizeFor(config, 'factual')).toBe(333);
    expect(chunkSizeFor(config, 'rag')).toBe(333);
    expect(chunkSizeFor(config, 'correction')).toBe(444);
    expect(concurrencyLimit(config)).toBe(12);
  });

  it('resolves the optional embeddings endpoint', () => {
    expect(resolveEmbeddings(config, {})).toBeUndefined();
    const withEmbeddings = compositionConfigSchema.parse({
      embeddings: { base_url: 'http://e:1/v1', model: 'm', api_key: 'k' },
    });
    const { document, secrets } = splitSecrets(withEmbeddings);
    expect(resolveEmbeddings(document, secrets)).toEqual({ baseUrl: 'http://e:1/v1', model: 'm', apiKey: 'k' });
  });
});

describe('prices', () => {
  it('applies a price only to the model it was set for: another model with the default price costs 0, flagged', () => {
    const config = defaultCompositionConfig();
    config.rag_data.rag_small_model = 'my-local-model';
    const changed = resolveEndpoints(config, {}, 'rag_data');
    expect(changed.small).toMatchObject({ model: 'my-local-model', costPerMillionInput: 0, unpriced: true });
    expect(changed.large.unpriced).toBeUndefined();
    config.rag_data.rag_cost_per_million_small_input = 0.5;
    expect(resolveEndpoints(config, {}, 'rag_data').small).toMatchObject({ costPerMillionInput: 0.5 });
    expect(resolveEndpoints(config, {}, 'rag_data').small.unpriced).toBeUndefined();
  });

  it('warns about every model whose calls will show no cost', () => {
    const result = parseCompositionConfig('dataset_context: x\nrag_data:\n  rag_small_model: my-local-model\n', 'yaml');
    if (!result.ok) throw new Error('rejected');
    expect(result.warnings).toEqual([
      { path: 'rag_data', message: expect.stringMatching(/^no price for small model "my-local-model"/) },
    ]);
  });
});
