/**
 * Secrets are write-only: the stored document shows only whether a key was given, and merging the secrets back
 * restores exactly what the client sent.
 */
import { describe, expect, it } from 'vitest';
import { parseCompositionConfig } from '../../../src/config/composition/parse.ts';
import { compositionConfigSchema } from '../../../src/config/composition/schema.ts';
import {
  isSecretKey,
  isUnsetSecret,
  mergeSecrets,
  SECRET_SET_MARKER,
  splitSecrets,
} from '../../../src/config/composition/secrets.ts';

const SECRET_VALUES = ['sk-pdf-small', 'sk-factual-large', 'rp-123', 'hf_abc', 'wb-xyz', 'emb-key', 'nested-kwarg-key'];

const body = {
  pdf_cleaning: { pdf_cleaning_small_api_key: 'sk-pdf-small', pdf_cleaning_large_api_key: '!!PLACEHOLDER!!' },
  factual_sft_settings: { factual_large_api_key: 'sk-factual-large', factual_small_api_key: '' },
  model_auto_train: { runpod_api_key: 'rp-123', huggingface_token: 'hf_abc', wandb_api_key: 'wb-xyz' },
  embeddings: { base_url: 'https://embed.example/v1', model: 'e5', api_key: 'emb-key' },
  model_training: { other_finetune_kwargs: { wandb_api_key: 'nested-kwarg-key', pad_token: '<pad>' } },
};

function parsed() {
  const result = parseCompositionConfig(body, 'json');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result;
}

describe('secrets', () => {
  it('recognises secret key names', () => {
    for (const key of ['rag_small_api_key', 'runpod_api_key', 'wandb_api_key', 'api_key', 'huggingface_token']) {
      expect(isSecretKey(key)).toBe(true);
    }
    for (const key of ['pad_token', 'api_keys', 'rag_small_model', 'bos']) expect(isSecretKey(key)).toBe(false);
  });

  it('treats empty values, placeholders and the set marker as not set', () => {
    for (const value of ['', '  ', '!!PLACEHOLDER!!', '!!PLACEHOLDER', SECRET_SET_MARKER])
      expect(isUnsetSecret(value)).toBe(true);
    expect(isUnsetSecret('sk-1')).toBe(false);
  });

  it('never puts a secret into the document', () => {
    const { document, secrets } = parsed();
    const text = JSON.stringify(document);
    for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    expect(document.pdf_cleaning.pdf_cleaning_small_api_key).toBe(SECRET_SET_MARKER);
    expect(document.pdf_cleaning.pdf_cleaning_large_api_key).toBe('');
    expect(document.factual_sft_settings.factual_small_api_key).toBe('');
    expect(document.model_auto_train.huggingface_token).toBe(SECRET_SET_MARKER);
    expect(document.embeddings?.api_key).toBe(SECRET_SET_MARKER);
    expect(document.model_training.other_finetune_kwargs).toEqual({
      wandb_api_key: SECRET_SET_MARKER,
      pad_token: '<pad>',
    });
    expect(secrets).toEqual({
      'pdf_cleaning.pdf_cleaning_small_api_key': 'sk-pdf-small',
      'factual_sft_settings.factual_large_api_key': 'sk-factual-large',
      'model_auto_train.runpod_api_key': 'rp-123',
      'model_auto_train.huggingface_token': 'hf_abc',
      'model_auto_train.wandb_api_key': 'wb-xyz',
      'model_training.other_finetune_kwargs.wandb_api_key': 'nested-kwarg-key',
      'embeddings.api_key': 'emb-key',
    });
  });

  it('round-trips through merge, and the merged document still parses', () => {
    const { config, document, secrets } = parsed();
    const stored = JSON.parse(JSON.stringify(document));
    const merged = mergeSecrets(stored, secrets);
    const reparsed = compositionConfigSchema.parse(merged);
    expect(reparsed.pdf_cleaning.pdf_cleaning_small_api_key).toBe('sk-pdf-small');
    expect(reparsed.model_training.other_finetune_kwargs['wandb_api_key']).toBe('nested-kwarg-key');
    // The placeholder the client sent is normalised to "not set", in the API's config as in the worker's.
    expect(reparsed.pdf_cleaning.pdf_cleaning_large_api_key).toBe('');
    expect(reparsed).toEqual(config);
  });

  it('does not mutate its input and turns a marker without a stored value into ""', () => {
    const document = { rag_data: { rag_small_api_key: SECRET_SET_MARKER } };
    expect(mergeSecrets(document, {})).toEqual({ rag_data: { rag_small_api_key: '' } });
    expect(document.rag_data.rag_small_api_key).toBe(SECRET_SET_MARKER);
    const config = { rag_data: { rag_small_api_key: 'k' } };
    splitSecrets(config);
    expect(config.rag_data.rag_small_api_key).toBe('k');
  });

  it('keeps a __proto__ key in free-form data as data', () => {
    const data = JSON.parse('{"kwargs": {"__proto__": {"api_key": "x"}}}');
    const { document, secrets } = splitSecrets(data);
    expect(Object.getPrototypeOf(document.kwargs)).toBe(Object.prototype);
    expect(secrets).toEqual({ 'kwargs.__proto__.api_key': 'x' });
    expect(({} as Record<string, unknown>)['api_key']).toBeUndefined();
  });
});
