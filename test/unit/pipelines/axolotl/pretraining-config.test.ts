import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  buildPretrainingConfig,
  buildSftConfig,
  toYaml,
} from '../../../../src/pipelines/axolotl/pretraining-config.ts';
import { AXOLOTL_BASE_KEYS as DEFAULTS } from '../../../support/axolotl-fields.ts';

const base = { baseModel: 'alpindale/Mistral-7B-v0.2-hf', datasets: ['representation_variation_docs.jsonl'] };

describe('buildPretrainingConfig', () => {
  it('has every §8.1 key, in order, with its default', () => {
    expect(Object.entries(buildPretrainingConfig(base))).toEqual(DEFAULTS);
  });

  it('takes sequence_len from context_length and lists every dataset as completion text', () => {
    const config = buildPretrainingConfig({
      ...base,
      contextLength: 10000,
      datasets: ['representation_variation_a.jsonl', 'text_chunks_a.jsonl', 'inferred_facts_a.jsonl'],
    });
    expect(config['sequence_len']).toBe(10000);
    expect(config).not.toHaveProperty('sequence_length');
    expect(config['datasets']).toEqual([
      { path: 'representation_variation_a.jsonl', type: 'completion' },
      { path: 'text_chunks_a.jsonl', type: 'completion' },
      { path: 'inferred_facts_a.jsonl', type: 'completion' },
    ]);
  });

  it('adds W&B and hub keys only when set, a placeholder counting as unset', () => {
    const config = buildPretrainingConfig({ ...base, wandbProject: 'proj', hubModelId: 'me/model-pretrain' });
    expect(Object.entries(config).slice(DEFAULTS.length)).toEqual([
      ['wandb_project', 'proj'],
      ['wandb_entity', ''],
      ['wandb_watch', ''],
      ['wandb_run_id', ''],
      ['wandb_log_model', ''],
      ['hub_model_id', 'me/model-pretrain'],
      ['hub_strategy', 'all_checkpoints'],
    ]);
    const unset = buildPretrainingConfig({
      ...base,
      wandbProject: '',
      hubModelId: '!!PLACEHOLDER!!/test-model-1-pretrain',
    });
    expect(Object.keys(unset)).toHaveLength(DEFAULTS.length);
    expect(buildPretrainingConfig({ ...base, hubModelId: 'me/m', hubStrategy: 'end' })['hub_strategy']).toBe('end');
  });

  it('merges other_pretrain_kwargs over everything: existing keys keep their place, new ones come last', () => {
    const config = buildPretrainingConfig({
      ...base,
      hubModelId: 'me/m',
      otherKwargs: { num_epochs: 5, sample_packing: false, hub_strategy: 'end', lora_r: 8, pad_token: '</s>' },
    });
    const keys = Object.keys(config);
    expect(keys.indexOf('num_epochs')).toBe(DEFAULTS.findIndex(([key]) => key === 'num_epochs'));
    expect(config['num_epochs']).toBe(5);
    expect(config['sample_packing']).toBe(false);
    expect(config['hub_strategy']).toBe('end');
    expect(keys.at(-1)).toBe('lora_r');
    expect(config['special_tokens']).toEqual({ pad_token: '</s>' });
    expect(config).not.toHaveProperty('pad_token');
  });

  it('keeps a "__proto__" kwarg a plain key', () => {
    const kwargs = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const config = buildPretrainingConfig({ ...base, otherKwargs: kwargs });
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(Object.keys(config).at(-1)).toBe('__proto__');
  });
});

describe('buildSftConfig', () => {
  const sft = {
    baseModel: 'alpindale/Mistral-7B-v0.2-hf',
    datasets: [
      { path: 'factual_sft_completion/a.jsonl', type: 'completion' as const },
      { path: 'axolotl_rag_conversations.jsonl', type: 'input_output' as const },
    ],
  };

  it('continues from the pretrained model with the §8.2 differences', () => {
    const config = buildSftConfig({ ...sft, pretrainHubModelId: 'me/model-pretrain', hubModelId: 'me/model-sft' });
    expect(config['base_model']).toBe('me/model-pretrain');
    expect(config['num_epochs']).toBe(5);
    expect(config['dataset_prepared_path']).toBe('last_finetune_prepared');
    expect(config['output_dir']).toBe('./finetune-model-output');
    expect(config['datasets']).toEqual(sft.datasets);
    expect(config['hub_model_id']).toBe('me/model-sft');
    expect(Object.keys(config).slice(0, DEFAULTS.length)).toEqual(DEFAULTS.map(([key]) => key));
  });

  it('falls back to the base model and lets other_finetune_kwargs override the SFT keys (⚠ §8.2 crash)', () => {
    const config = buildSftConfig({
      ...sft,
      pretrainHubModelId: '!!PLACEHOLDER!!/x',
      otherKwargs: { num_epochs: 2, dataset_prepared_path: 'p', output_dir: 'o' },
    });
    expect(config['base_model']).toBe('alpindale/Mistral-7B-v0.2-hf');
    expect([config['num_epochs'], config['dataset_prepared_path'], config['output_dir']]).toEqual([2, 'p', 'o']);
  });
});

describe('toYaml', () => {
  it('round-trips with key order kept', () => {
    const config = buildPretrainingConfig({
      ...base,
      wandbProject: 'p',
      hubModelId: 'me/m',
      otherKwargs: { x: 'yes' },
    });
    const text = toYaml(config);
    const back = parse(text) as Record<string, unknown>;
    expect(back).toEqual(config);
    expect(Object.keys(back)).toEqual(Object.keys(config));
    expect(text.startsWith('base_model: alpindale/Mistral-7B-v0.2-hf\n')).toBe(true);
  });

  it('writes what PyYAML (YAML 1.1) reads back with the same types', () => {
    const text = toYaml({ learning_rate: 2.0e-5, tiny: 1e-7, huge: 1e21, flag: 'yes', off: 'off', empty: '' });
    expect(text).toBe('learning_rate: 0.00002\ntiny: 1.0e-7\nhuge: 1.0e+21\nflag: "yes"\n"off": "off"\nempty: ""\n');
  });
});
