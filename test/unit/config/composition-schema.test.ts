/**
 * The composition config schema: `{}` is a complete config with the blueprint §11 defaults, ways get per-name
 * defaults, and every problem in a config is reported at once with its full dotted path.
 */
import { Template } from '@huggingface/jinja';
import nunjucks from 'nunjucks';
import { describe, expect, it } from 'vitest';
import { parseCompositionConfig } from '../../../src/config/composition/parse.ts';
import { compositionConfigSchema, defaultCompositionConfig } from '../../../src/config/composition/schema.ts';

function errorsOf(body: unknown) {
  const result = parseCompositionConfig(body, 'json');
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.errors;
}

function pathsOf(body: unknown): string[] {
  return errorsOf(body).map((e) => e.path);
}

describe('defaults', () => {
  const c = defaultCompositionConfig();

  it('fills top-level and system defaults', () => {
    expect(c.pipeline).toBe('factual-datagen-pipeline');
    expect(c.no_flatten).toContain('factual_sft');
    expect(c.dataset_context).toBe('the documents');
    expect(c.do_not_use_llm_for_pdf_processing).toBe(true);
    expect(c.system).toMatchObject({
      number_of_factual_sft_generations_to_do: 1,
      remove_system_prompt_ratio: 0.2,
      remove_thought_process_ratio: 0.2,
      final_answer_str: 'Answer:',
      generic_thought_process_on_domain_data: true,
      cite_sources_at_end: true,
      completion_mode: false,
      concurrency_limit: 300,
      use_stop: true,
      subset_size: 30,
      use_subset: true,
      chunk_size: 4000,
      what_percent_of_sft_is_pretrain: null,
      num_tokens_pretraining_in_sft: 2_000_000,
      seed: 1048596,
    });
    expect(c.system.shared_instruction).toContain('Thought Process:');
    expect(c.system.shared_instruction).toContain('{context}');
    expect(c.system.remove_thought_process_prompt.length).toBeGreaterThan(10);
  });

  it('fills the sub-pipeline sections with the original key names', () => {
    expect(c.pdf_cleaning).toMatchObject({
      pdf_cleaning_chunk_size: 4000,
      pdf_cleaning_small_model: 'Qwen/QwQ-32B-Preview',
      pdf_cleaning_large_model: 'meta-llama/Llama-3.1-70B-Instruct',
      pdf_cleaning_small_mode: 'api',
      pdf_cleaning_large_base_url: 'https://api.deepinfra.com/v1/openai',
      pdf_cleaning_small_api_key: '',
      pdf_cleaning_use_stop: true,
      pdf_cleaning_cost_small_input: 0.15,
      pdf_cleaning_cost_small_output: 0.2,
      pdf_cleaning_cost_large_input: 0.23,
      pdf_cleaning_cost_large_output: 0.4,
      pdf_cleaning_prompts: 'prompts',
    });
    expect(c.representation_variation).toMatchObject({
      representation_variation_chunk_size: 4000,
      representation_variation_cost_large_output: 0.4,
      representation_variation_prompts_inferred: 'prompts_inferred_facts',
      representation_variation_default_prompts_inferred: 'prompts_inferred_facts',
      code_variation_functions: ['keyboard_augmentation'],
    });
    expect(c.factual_sft_settings).toMatchObject({
      factual_use_stop: true,
      factual_chunk_size: 3000,
      factual_completion_mode: false,
      factual_small_model: 'Qwen/QwQ-32B-Preview',
      factual_cost_per_million_small_input: 0.15,
      factual_cost_per_million_large_output: 0.4,
      items_per_conversation: 3,
      combine_sharegpt_target_pairs: 5,
    });
    expect(c.rag_data).toMatchObject({
      rag_failure_percentage: 0.5,
      rag_max_chunks: 3,
      bos: '<s>',
      num_items_per_group: 3,
      rag_skip_filter_chunks: false,
      rag_cost_per_million_large_input: 0.23,
      rag_use_stop: true,
    });
    expect(c.transform_generic_data).toMatchObject({
      transform_generic_data_small_model: 'deepseek-ai/DeepSeek-V3',
      transform_generic_data_large_model: 'deepseek-ai/DeepSeek-V3',
      transform_generic_cot_preface: 'Thought Process:',
      transform_generic_cot_suffix: '\nAnswer:',
      transform_generic_data_cost_per_million_small_input: 0,
      transform_generic_data_cost_per_million_large_output: 0,
    });
    expect(c.correction_pipeline).toMatchObject({
      correction_use_subset: true,
      correction_subset_size: 30,
      correction_chunk_size: 4000,
      correction_use_stop: true,
      correction_completion_mode: false,
      correction_cost_per_million_small_output: 0.2,
    });
  });

  it('fills assembly and training defaults', () => {
    const f = c.final_datasaving_settings;
    expect(f.template).toBe('atk');
    expect(f.template_kwargs).toEqual({});
    expect(f.generic_dataset_paths.map((d) => d.path)).toEqual([
      'Augmentoolkit/generic-sft-grabbag-small',
      'Augmentoolkit/lmsys-800ktokens-basicfiltering',
      'Augmentoolkit/openthoughts-100mil-sharegpt',
      'Augmentoolkit/bluemoon-subset',
      'Augmentoolkit/pippa_sharegpt_trimmed',
      'Augmentoolkit/capybara-sharegpt',
    ]);
    expect(f.generic_dataset_paths.map((d) => d.context_to_add_type)).toEqual([
      'none',
      'human',
      'none',
      'human',
      'human',
      'none',
    ]);
    expect(f.generic_dataset_percentages).toEqual([20, 10, 40, 10, 10, 10]);
    expect(f.max_samples_per_dataset).toBe(1_000_000);
    expect(f.minimum_generic_sft).toBe(2_000_000);
    expect(c.model_training).toMatchObject({
      base_model: 'alpindale/Mistral-7B-v0.2-hf',
      pretrain_hub_model_id: null,
      pretrain_hub_strategy: 'all_checkpoints',
      finetune_hub_model_id: null,
      context_length: 10000,
      wandb_project: 'test-project',
      is_mistral_derived_model: true,
      other_pretrain_kwargs: {},
      other_finetune_kwargs: {},
    });
    expect(c.model_auto_train).toEqual({
      do_train: false,
      runpod_api_key: '',
      huggingface_token: '',
      wandb_api_key: '',
      pod_id: null,
    });
    expect(c.model_auto_run).toEqual({ do_run: false, cache_dir: './cache', server_type: 'normal' });
    expect(c.path).toEqual({});
    expect(c.embeddings).toBeUndefined();
  });

  it('has nine prompt variants with the right placeholders', () => {
    const noRag = c.factual_sft_settings.final_assistant_prompts_no_rag;
    expect(noRag).toHaveLength(9);
    for (const prompt of noRag) expect(prompt).toMatch(/\{context(_lowercase|_uppercase)?\}/);
    const rag = c.rag_data.final_assistant_prompts;
    expect(rag).toHaveLength(9);
    for (const prompt of rag) expect(prompt).toContain('{data}');
    expect(rag.some((p) => p.startsWith('{data}'))).toBe(true);
  });

  it('lists the five default ways in order with their own defaults', () => {
    expect(Object.keys(c.factual_sft)).toEqual(['openended', 'hallucination', 'negative', 'vague', 'followup']);
    expect(c.factual_sft['openended']).toEqual({
      prompts: 'prompt_overrides/openended',
      default_prompts: 'prompts',
      single_turn: true,
      skip_question_check: true,
      skip_answer_relevancy_check: true,
      skip_answer_accuracy_check: true,
      skip_repair_qa_tuples: true,
      multi_source: true,
      not_in_rag_data: false,
    });
    expect(c.factual_sft['hallucination']?.not_in_rag_data).toBe(true);
    expect(c.factual_sft['followup']?.single_turn).toBe(false);
  });

  it('returns fresh objects on every parse', () => {
    const a = defaultCompositionConfig();
    a.final_datasaving_settings.generic_dataset_percentages.push(1);
    a.no_flatten.push('x');
    expect(defaultCompositionConfig().final_datasaving_settings.generic_dataset_percentages).toHaveLength(6);
    expect(defaultCompositionConfig().no_flatten).not.toContain('x');
  });
});

describe('partial configs', () => {
  it('keeps given values and defaults the rest of the section', () => {
    const c = compositionConfigSchema.parse({ system: { concurrency_limit: 8 }, rag_data: { rag_max_chunks: 5 } });
    expect(c.system.concurrency_limit).toBe(8);
    expect(c.system.subset_size).toBe(30);
    expect(c.rag_data.rag_max_chunks).toBe(5);
    expect(c.rag_data.rag_failure_percentage).toBe(0.5);
  });

  it('replaces the ways when factual_sft is given, filling each from its name', () => {
    const c = compositionConfigSchema.parse({
      factual_sft: { followup: { skip_question_check: false }, glossary: { single_turn: false } },
    });
    expect(Object.keys(c.factual_sft)).toEqual(['followup', 'glossary']);
    expect(c.factual_sft['followup']).toMatchObject({
      single_turn: false,
      skip_question_check: false,
      prompts: 'prompt_overrides/followup',
    });
    expect(c.factual_sft['glossary']).toMatchObject({
      single_turn: false,
      prompts: 'prompt_overrides/glossary',
      multi_source: true,
    });
  });

  it('accepts input_dirs entries that give only a path', () => {
    const c = compositionConfigSchema.parse({
      path: { input_dirs: [{ path: 'manuals' }, { path: 'faq', rag_subset_size: 5 }] },
    });
    expect(c.path.input_dirs).toEqual([{ path: 'manuals' }, { path: 'faq', rag_subset_size: 5 }]);
  });

  it('accepts an embeddings endpoint', () => {
    const c = compositionConfigSchema.parse({
      embeddings: { base_url: 'http://localhost:8081/v1', model: 'nomic-embed' },
    });
    expect(c.embeddings).toEqual({ base_url: 'http://localhost:8081/v1', model: 'nomic-embed', api_key: '' });
  });
});

describe('errors', () => {
  it('reports unknown keys at every depth with their full path', () => {
    const errors = errorsOf({
      bogus_top: 1,
      system: { bogus_key: 1 },
      path: { input_dirs: [{ path: 'a', colour: 'red' }] },
      factual_sft: { openended: { extra: true } },
      final_datasaving_settings: {
        generic_dataset_paths: [{ path: 'x/y', weight: 1 }],
        generic_dataset_percentages: [1],
      },
      embeddings: { base_url: 'http://e/v1', model: 'm', dims: 3 },
    });
    expect(errors.map((e) => e.path).sort()).toEqual(
      [
        'bogus_top',
        'system.bogus_key',
        'path.input_dirs.0.colour',
        'factual_sft.openended.extra',
        'final_datasaving_settings.generic_dataset_paths.0.weight',
        'embeddings.dims',
      ].sort(),
    );
    for (const error of errors) expect(error.message).toMatch(/^unknown key "/);
  });

  it('lists every wrong type and out-of-range value at once', () => {
    const paths = pathsOf({
      system: {
        subset_size: -1,
        concurrency_limit: 0,
        remove_system_prompt_ratio: 1.5,
        completion_mode: 'yes',
        seed: 1.5,
      },
      representation_variation: { representation_variation_chunk_size: 'big', code_variation_functions: ['shout'] },
      pdf_cleaning: {
        pdf_cleaning_chunk_size: 0,
        pdf_cleaning_small_base_url: 'ftp://host',
        pdf_cleaning_large_mode: 'cohere',
      },
      factual_sft_settings: { factual_cost_per_million_small_input: -0.1, final_assistant_prompts_no_rag: [] },
      rag_data: { rag_failure_percentage: 2 },
      path: { input_dirs: [{ variation_generation_counts: -2 }] },
      model_training: { context_length: 100.5 },
    });
    expect(paths).toEqual(
      expect.arrayContaining([
        'system.subset_size',
        'system.concurrency_limit',
        'system.remove_system_prompt_ratio',
        'system.completion_mode',
        'system.seed',
        'representation_variation.representation_variation_chunk_size',
        'representation_variation.code_variation_functions.0',
        'pdf_cleaning.pdf_cleaning_chunk_size',
        'pdf_cleaning.pdf_cleaning_small_base_url',
        'pdf_cleaning.pdf_cleaning_large_mode',
        'factual_sft_settings.factual_cost_per_million_small_input',
        'factual_sft_settings.final_assistant_prompts_no_rag',
        'rag_data.rag_failure_percentage',
        'path.input_dirs.0.path',
        'path.input_dirs.0.variation_generation_counts',
        'model_training.context_length',
      ]),
    );
    expect(paths).toHaveLength(16);
  });

  it('says what is wrong in words', () => {
    const errors = errorsOf({
      path: { input_dirs: [{}] },
      system: { subset_size: 2.5 },
      pdf_cleaning: { pdf_cleaning_small_mode: 'cohere' },
    });
    const byPath = Object.fromEntries(errors.map((e) => [e.path, e.message]));
    expect(byPath['path.input_dirs.0.path']).toBe('required (expected string)');
    expect(byPath['system.subset_size']).toBe('expected a whole number');
    expect(byPath['pdf_cleaning.pdf_cleaning_small_mode']).toMatch(/only mode 'api'/);
  });

  it('points misplaced keys to their section and suggests near misses', () => {
    const byPath = Object.fromEntries(
      errorsOf({ concurrency_limit: 5, system: { factual_chunk_size: 1, concurency_limit: 2 } }).map((e) => [
        e.path,
        e.message,
      ]),
    );
    expect(byPath['concurrency_limit']).toMatch(/belongs in section "system".*flat layout is not accepted/);
    expect(byPath['system.factual_chunk_size']).toMatch(/belongs in section "factual_sft_settings"/);
    expect(byPath['system.concurency_limit']).toMatch(/did you mean "concurrency_limit"/);
  });

  it('rejects the original flat layout', () => {
    const paths = pathsOf({ concurrency_limit: 5, factual_chunk_size: 100, input_dirs: [] });
    expect(paths.sort()).toEqual(['concurrency_limit', 'factual_chunk_size', 'input_dirs']);
  });

  it('rejects unsafe way names, a foreign pipeline, and mismatched generic percentages', () => {
    const paths = pathsOf({
      pipeline: 'rptoolkit',
      factual_sft: { '1st': {}, 'a b': {} },
      final_datasaving_settings: { generic_dataset_percentages: [50, 50] },
    });
    expect(paths.sort()).toEqual(
      [
        'factual_sft.1st',
        'factual_sft.a b',
        'final_datasaving_settings.generic_dataset_percentages',
        'pipeline',
      ].sort(),
    );
  });

  it('pairs the default percentages with fewer generic datasets by position, as the original did', () => {
    const parse = (settings: Record<string, unknown>) =>
      compositionConfigSchema.parse({ final_datasaving_settings: settings }).final_datasaving_settings;
    expect(parse({ generic_dataset_paths: [] }).generic_dataset_percentages).toEqual([]);
    const two = parse({ generic_dataset_paths: [{ path: 'a/b' }, { path: 'c/d', revision: 'v2' }] });
    expect(two.generic_dataset_percentages).toEqual([20, 10]);
    expect(two.generic_dataset_paths.map((d) => d.revision)).toEqual(['main', 'v2']);
    const seven = Array.from({ length: 7 }, (_, i) => ({ path: `org/d${i}` }));
    expect(pathsOf({ final_datasaving_settings: { generic_dataset_paths: seven } })).toEqual([
      'final_datasaving_settings.generic_dataset_percentages',
    ]);
  });

  it('refuses a generic dataset id that is no Hub id, and a token that is no Hub token', () => {
    expect(
      pathsOf({
        final_datasaving_settings: { generic_dataset_paths: [{ path: '../etc' }, { path: 'a/b/c' }] },
        model_auto_train: { huggingface_token: 'secret' },
      }).sort(),
    ).toEqual(
      [
        'final_datasaving_settings.generic_dataset_paths.0.path',
        'final_datasaving_settings.generic_dataset_paths.1.path',
        'model_auto_train.huggingface_token',
      ].sort(),
    );
  });

  it('rejects a source named twice in input_dirs', () => {
    expect(errorsOf({ path: { input_dirs: [{ path: 'a' }, { path: 'a' }] } })).toEqual([
      { path: 'path.input_dirs.1.path', message: 'source "a" is listed twice' },
    ]);
  });

  it('refuses prototype-reaching keys in free-form kwargs', () => {
    expect(pathsOf({ model_training: { other_finetune_kwargs: { constructor: 1 } } })).toEqual([
      'model_training.other_finetune_kwargs.constructor',
    ]);
  });
});

describe('correction_prompt_template default', () => {
  const template = defaultCompositionConfig().correction_pipeline.correction_prompt_template;
  const messages = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'q' },
    { role: 'assistant', content: 'a' },
  ];
  const expected = 'sys\nHuman: q **Finished.**\nAI: a **Finished.**\n';

  it('renders system, user and assistant turns one per line (Hugging Face Jinja)', () => {
    expect(new Template(template).render({ messages, bos_token: '<s>' })).toBe(expected);
  });

  it('renders the same with nunjucks', () => {
    expect(new nunjucks.Environment().renderString(template, { messages })).toBe(expected);
  });
});
