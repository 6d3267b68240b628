/**
 * `sft_run/README.md`: a Hugging Face dataset card for the SFT folder (pure). Front matter the Hub reads (task,
 * tags, size, one `configs` entry per kind of data with its files), then what a reader needs to trust the data:
 * every file with its records and tokens, the conversations per factual style and generation, the generic mix, what
 * was lost and why, the models and what they cost, and the effective config with its secrets removed.
 */
import { parse, stringify } from 'yaml';
import type { RunReport } from '../stage.ts';

export type CardFileKind = 'factual_sft' | 'generic_sft' | 'rag' | 'corrections' | 'pretraining_subset';

export interface CardFile {
  /** Path inside `sft_run/`. */
  path: string;
  kind: CardFileKind;
  records: number;
  tokens: number;
}

export interface DatasetCardInput {
  datasetContext: string;
  template: string;
  files: CardFile[];
  styles: Array<{ style: string; generation: number; conversations: number }>;
  generic: Array<{ repo: string; file: string; target: number; rows: number; tokens: number }>;
  exports: Array<{ path: string; records: number; leftOut: number }>;
  report: RunReport;
  /** The effective config, secrets removed. */
  config: unknown;
}

const KIND_TITLES: Record<CardFileKind, string> = {
  factual_sft: 'Domain question/answer conversations, rendered with the chat template (`text`)',
  generic_sft: 'Generic chat data from the Hub, rendered with the chat template (`text`)',
  rag: 'RAG-usage conversations, loss-masked (`segments`)',
  corrections: 'Self-correction conversations, loss-masked (`segments`)',
  pretraining_subset: 'Whole source documents kept in the SFT mix (`text`)',
};

export function datasetCard(input: DatasetCardInput): string {
  const nonEmpty = input.files.filter((f) => f.records > 0);
  const totalRecords = nonEmpty.reduce((n, f) => n + f.records, 0);
  const kinds = [...new Set(nonEmpty.map((f) => f.kind))];
  const frontMatter = {
    pretty_name: `${input.datasetContext || 'Domain'} SFT data`,
    task_categories: ['text-generation'],
    tags: ['synthetic', 'sft', 'augmentoolkit-compatible'],
    size_categories: [sizeCategory(totalRecords)],
    configs: kinds.map((kind) => ({
      config_name: kind,
      data_files: [{ split: 'train', path: nonEmpty.filter((f) => f.kind === kind).map((f) => f.path) }],
    })),
  };
  const lines: string[] = [`---\n${stringify(frontMatter)}---`, ''];
  lines.push(`# ${input.datasetContext || 'Domain'}: SFT data`, '');
  lines.push(
    `Generated from the team's own documents by run \`${input.report.runId}\`, in the folder layout of Augmentoolkit's`,
    `"Complete Factual Generation" (Axolotl trains from \`sft_training_config.yaml\`). Chat template: \`${templateName(input.template)}\`.`,
    '',
  );

  lines.push('## Files', '', '| file | data | records | tokens |', '|---|---|---:|---:|');
  for (const f of input.files) lines.push(`| \`${f.path}\` | ${KIND_TITLES[f.kind]} | ${f.records} | ${f.tokens} |`);
  lines.push('', 'Files with no records are kept for the layout but not listed in the training config.', '');

  if (input.styles.length > 0) {
    lines.push('## Conversations per factual style', '', '| style | generation | conversations |', '|---|---:|---:|');
    for (const s of input.styles) lines.push(`| ${s.style} | ${s.generation} | ${s.conversations} |`);
    lines.push('');
  }
  if (input.generic.length > 0) {
    lines.push(
      '## Generic data mix',
      '',
      '| dataset | file | token target | rows drawn | tokens |',
      '|---|---|---:|---:|---:|',
    );
    for (const g of input.generic) lines.push(`| ${g.repo} | \`${g.file}\` | ${g.target} | ${g.rows} | ${g.tokens} |`);
    lines.push('');
  }
  if (input.exports.length > 0) {
    lines.push(
      '## Exports for other trainers (in `exports/` beside this folder)',
      '',
      '| file | records | left out |',
      '|---|---:|---:|',
    );
    for (const e of input.exports) lines.push(`| \`${e.path}\` | ${e.records} | ${e.leftOut} |`);
    lines.push('');
  }

  lines.push('## Losses', '');
  const lossy = input.report.stages.filter((s) => s.items.dropped + s.items.failed > 0);
  if (lossy.length === 0) lines.push('Every planned item produced its output.');
  for (const s of lossy) {
    const reasons = Object.entries(s.reasons)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([reason, count]) => `${count}× ${oneLine(reason)}`)
      .join('; ');
    lines.push(
      `- \`${s.name}\`: ${s.items.dropped} dropped, ${s.items.failed} failed of ${s.items.total}${reasons ? ` (${reasons})` : ''}`,
    );
  }
  lines.push('');

  const paid = input.report.stages.filter((s) => s.calls > 0);
  const cost = paid.reduce((sum, s) => sum + s.cost, 0);
  lines.push('## Models and cost', '');
  lines.push('| stage | models | calls | input tokens | output tokens | cost (USD) |', '|---|---|---:|---:|---:|---:|');
  for (const s of paid) {
    lines.push(
      `| \`${s.name}\` | ${s.models.join(', ')} | ${s.calls} | ${s.inputTokens} | ${s.outputTokens} | ${s.cost.toFixed(4)} |`,
    );
  }
  lines.push(
    '',
    `Total billed by the providers for this run: $${cost.toFixed(4)} (answers reused from earlier runs cost nothing).`,
    '',
  );

  lines.push(
    '## Config',
    '',
    'The effective config of the run, secrets removed:',
    '',
    '```yaml',
    stringify(input.config).trimEnd(),
    '```',
    '',
  );
  return lines.join('\n');
}

function sizeCategory(records: number): string {
  const buckets: Array<[number, string]> = [
    [1_000, 'n<1K'],
    [10_000, '1K<n<10K'],
    [100_000, '10K<n<100K'],
    [1_000_000, '100K<n<1M'],
    [10_000_000, '1M<n<10M'],
  ];
  return buckets.find(([limit]) => records < limit)?.[1] ?? '10M<n<100M';
}

function templateName(template: string): string {
  return template === 'atk' || template === 'chatml' ? template : 'custom Jinja template';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').replaceAll('|', '/').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
}

/**
 * The card with its `configs` data files moved under a folder, for a repo whose root holds the card and the folder
 * (a Hub push puts `sft_run/README.md` at the root, beside `sft_run/`). Pure; a card without front matter is returned
 * as it is.
 */
export function withDataFilesUnder(card: string, folder: string): string {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(card);
  if (!match) return card;
  const front = parse(match[1] ?? '') as { configs?: Array<{ data_files?: Array<{ path: string | string[] }> }> };
  for (const config of front.configs ?? []) {
    for (const files of config.data_files ?? []) {
      files.path = Array.isArray(files.path) ? files.path.map((p) => `${folder}${p}`) : `${folder}${files.path}`;
    }
  }
  return `---\n${stringify(front)}---\n${card.slice(match[0].length)}`;
}
