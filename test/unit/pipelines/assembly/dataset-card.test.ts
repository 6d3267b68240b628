/** The Hugging Face dataset card of sft_run/: front matter the Hub reads, and the figures a reader needs. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { datasetCard, withDataFilesUnder } from '../../../../src/pipelines/assembly/dataset-card.ts';

const card = datasetCard({
  datasetContext: 'Orchard cooperative',
  template: 'chatml',
  files: [
    { path: 'factual_sft_completion/combined_all_0.jsonl', kind: 'factual_sft', records: 12, tokens: 3400 },
    { path: 'generic_sft_completion/org-chat_2000.jsonl', kind: 'generic_sft', records: 7, tokens: 2100 },
    { path: 'axolotl_rag_conversations_orchard.jsonl', kind: 'rag', records: 0, tokens: 0 },
  ],
  styles: [{ style: 'openended', generation: 0, conversations: 6 }],
  generic: [{ repo: 'org/chat', file: 'org-chat_2000.jsonl', target: 2000, rows: 7, tokens: 2100 }],
  exports: [{ path: 'exports/alpaca.jsonl', records: 4, leftOut: 2 }],
  report: {
    runId: 'run_1',
    stages: [
      {
        name: 'factual_sft/openended/0',
        state: 'succeeded',
        items: { total: 4, done: 3, dropped: 1, failed: 0 },
        reasons: { 'judged unsuitable | for questions': 1 },
        models: ['small-model', 'large-model'],
        calls: 9,
        inputTokens: 1000,
        outputTokens: 500,
        cost: 0.0123,
      },
    ],
  },
  config: { dataset_context: 'Orchard cooperative', factual_sft_settings: { factual_small_model: 'small-model' } },
});

describe('datasetCard', () => {
  it('opens with front matter naming each kind of data and only its non-empty files', () => {
    const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
    expect(match).not.toBeNull();
    const front = parse(match?.[1] ?? '');
    expect(front.task_categories).toEqual(['text-generation']);
    expect(front.size_categories).toEqual(['n<1K']);
    expect(front.configs).toEqual([
      {
        config_name: 'factual_sft',
        data_files: [{ split: 'train', path: ['factual_sft_completion/combined_all_0.jsonl'] }],
      },
      {
        config_name: 'generic_sft',
        data_files: [{ split: 'train', path: ['generic_sft_completion/org-chat_2000.jsonl'] }],
      },
    ]);
  });

  it('gives records and tokens per file, styles, the generic mix, losses with reasons, models and cost, the config', () => {
    expect(card).toContain('| `factual_sft_completion/combined_all_0.jsonl` |');
    expect(card).toMatch(/\| 12 \| 3400 \|/);
    expect(card).toContain('| openended | 0 | 6 |');
    expect(card).toContain('| org/chat | `org-chat_2000.jsonl` | 2000 | 7 | 2100 |');
    expect(card).toContain(
      '`factual_sft/openended/0`: 1 dropped, 0 failed of 4 (1× judged unsuitable / for questions)',
    );
    expect(card).toContain('small-model, large-model | 9 | 1000 | 500 | 0.0123 |');
    expect(card).toContain('$0.0123');
    expect(card).toContain('factual_small_model: small-model');
  });
});

describe('withDataFilesUnder', () => {
  it('moves the data files under the folder and keeps the body', () => {
    const moved = withDataFilesUnder(card, 'sft_run/');
    const front = parse(/^---\n([\s\S]*?)\n---\n/.exec(moved)?.[1] ?? '');
    expect(front.configs[0].data_files[0].path).toEqual(['sft_run/factual_sft_completion/combined_all_0.jsonl']);
    expect(moved.slice(moved.indexOf('# Orchard'))).toBe(card.slice(card.indexOf('# Orchard')));
    expect(withDataFilesUnder('# no front matter', 'x/')).toBe('# no front matter');
  });
});
