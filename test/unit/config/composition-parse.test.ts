/**
 * Reading a client's config body: YAML and JSON, safety against alias bombs, errors with line numbers, a mapping at
 * the root, and the warnings for settings this service ignores or cannot run yet.
 */
import { describe, expect, it } from 'vitest';
import { parseCompositionConfig } from '../../../src/config/composition/parse.ts';

function accepted(body: unknown, format: 'yaml' | 'json' = 'yaml') {
  const result = parseCompositionConfig(body, format);
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.errors)}`);
  return result;
}

function rejected(body: unknown, format: 'yaml' | 'json' = 'yaml') {
  const result = parseCompositionConfig(body, format);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.errors;
}

describe('reading the body', () => {
  it('parses YAML in the original nested layout', () => {
    const { config } = accepted(`
dataset_context: US Army Field Manuals
path:
  input_dirs:
    - path: manuals
      variation_generation_counts: 2
system:
  number_of_factual_sft_generations_to_do: 2
  concurrency_limit: 50
`);
    expect(config.dataset_context).toBe('US Army Field Manuals');
    expect(config.path.input_dirs).toEqual([{ path: 'manuals', variation_generation_counts: 2 }]);
    expect(config.system.number_of_factual_sft_generations_to_do).toBe(2);
  });

  it('parses JSON text and already-parsed JSON values', () => {
    expect(accepted('{"system": {"subset_size": 7}}', 'json').config.system.subset_size).toBe(7);
    expect(accepted({ system: { subset_size: 8 } }, 'json').config.system.subset_size).toBe(8);
    expect(accepted('{}', 'json').config.system.subset_size).toBe(30);
  });

  it('accepts an empty mapping in either format', () => {
    expect(accepted('{}', 'yaml').ok).toBe(true);
    expect(accepted({}, 'json').ok).toBe(true);
  });

  it('accepts the original top-level pipeline and no_flatten keys', () => {
    const { config } = accepted('pipeline: factual-datagen-pipeline\nno_flatten: [factual_sft, input_dirs]\n');
    expect(config.no_flatten).toEqual(['factual_sft', 'input_dirs']);
  });

  it('rejects an alias bomb quickly with a clear message at (root)', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 0; i < 9; i++) {
      const previous = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(`${next}: &${next} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const started = performance.now();
    const errors = rejected(lines.join('\n'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe('(root)');
    expect(errors[0]?.message).toMatch(/aliases.*billion laughs/);
  });

  it('still allows a few aliases', () => {
    const reused = accepted('pdf_cleaning:\n  pdf_cleaning_small_model: &m my-model\n  pdf_cleaning_large_model: *m\n');
    expect(reused.config.pdf_cleaning.pdf_cleaning_large_model).toBe('my-model');
  });

  it('reports YAML syntax errors with line and column', () => {
    const errors = rejected('system:\n  subset_size: [1, 2\n  use_subset: true\n');
    expect(errors[0]?.path).toBe('(root)');
    expect(errors[0]?.message).toMatch(/^invalid YAML: .*line \d+, column \d+$/);
  });

  it('refuses duplicate keys and custom tags', () => {
    expect(rejected('system: {}\nsystem: {}\n')[0]?.message).toMatch(/unique.*line 2/);
    expect(rejected('system: !!python/object:os.system {}\n')[0]?.message).toMatch(/Unresolved tag/);
  });

  it('reports JSON syntax errors with their position', () => {
    expect(rejected('{"system": {"subset_size": 1,\n "use_subset" true}}', 'json')[0]?.message).toMatch(/line 2/);
    expect(rejected('{"a": 1,,}', 'json')[0]?.message).toMatch(/^invalid JSON: .*line 1 column 9/);
  });

  it('rejects a root that is not a mapping', () => {
    for (const [body, format] of [
      ['- a\n- b\n', 'yaml'],
      ['just text', 'yaml'],
      ['', 'yaml'],
      ['[1]', 'json'],
      ['42', 'json'],
      [null, 'json'],
    ] as const) {
      const errors = rejected(body, format);
      expect(errors).toEqual([{ path: '(root)', message: expect.stringMatching(/must be a mapping/) }]);
    }
  });

  it('reads a UTF-8 buffer body', () => {
    expect(accepted(new TextEncoder().encode('system:\n  subset_size: 3\n')).config.system.subset_size).toBe(3);
  });
});

describe('parse warnings', () => {
  /** A config that names its documents' subject, so only the warning under test shows. */
  const named = (yaml: string) => accepted(`dataset_context: Orchard handbooks\n${yaml}`);

  it('warns when dataset_context is left at its default, with what every line will then say', () => {
    const { warnings } = accepted('{}');
    expect(warnings).toEqual([
      { path: 'dataset_context', message: expect.stringContaining('[[[OVERALL_CONTEXT_IS -> the documents]]]') },
    ]);
  });

  it('reports the managed storage paths as ignored', () => {
    const { warnings } = named(
      'path:\n  output_dir: ./outputs/x\n  models_dir: ./models/\n  huggingface_cache_dir: ./cache\n',
    );
    expect(warnings.map((w) => w.path)).toEqual(['path.output_dir', 'path.models_dir', 'path.huggingface_cache_dir']);
    for (const warning of warnings) expect(warning.message).toMatch(/ignored/);
  });

  it('reports training and serving as unsupported only when switched on', () => {
    const on = named('model_auto_train: {do_train: true}\nmodel_auto_run: {do_run: true}\n').warnings;
    expect(on.map((w) => w.path)).toEqual(['model_auto_train.do_train', 'model_auto_run.do_run']);
    expect(on[0]?.message).toMatch(/not supported/);
    expect(named('model_auto_train: {do_train: false}\n').warnings).toEqual([]);
  });

  it('gives no warnings for the default config', () => {
    expect(named('').warnings).toEqual([]);
  });

  it('reports keys without effect when changed from their default', () => {
    const { warnings } = named(
      'system: {use_stop: false, chunk_size: 4000}\nfactual_sft_settings: {factual_completion_mode: true}\ncorrection_pipeline: {correction_subset_size: 3}\n',
    );
    expect(warnings.map((w) => w.path)).toEqual([
      'system.use_stop',
      'factual_sft_settings.factual_completion_mode',
      'correction_pipeline.correction_subset_size',
    ]);
  });

  it('accepts an embeddings endpoint without a warning (the factual SFT stages use it for related chunks)', () => {
    const { warnings } = named('embeddings:\n  base_url: http://127.0.0.1:9000/v1\n  model: all-minilm\n');
    expect(warnings).toEqual([]);
  });

  it('warns that a "(set)" marker sent back is not a key', () => {
    const { warnings, secrets } = named('rag_data:\n  rag_small_api_key: "(set)"\n');
    expect(warnings).toEqual([
      { path: 'rag_data.rag_small_api_key', message: expect.stringMatching(/send the key itself/) },
    ]);
    expect(secrets).toEqual({});
  });
});
