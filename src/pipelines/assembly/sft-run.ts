/**
 * `sft_run/` (blueprint §3 D–E, §6.6–6.7): the combined domain conversations per generation and their completion
 * text, the generic Hub data mixed in by their size, each source's correction and RAG records, the pretraining slice,
 * and `rag_source_data/`; then the domain conversations exported for other trainers (`exports/`) and the folder's
 * dataset card (`sft_run/README.md`). Returns the SFT config's datasets, typed by kind, and the empty files left out.
 */
import { splitSecrets } from '../../config/composition/secrets.ts';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { correctionStage } from '../correction/stage.ts';
import { llamaFactoryDatasetInfo, toAlpaca, toOpenAiChat } from '../exports/formats.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { outputTree } from '../output-tree.ts';
import { ragDataStage } from '../rag-data/stage.ts';
import { resolveTemplate } from '../shared/chat-template.ts';
import { toJsonl } from '../shared/jsonl.ts';
import type { ShareGptConversation } from '../shared/sharegpt.ts';
import type { ArtifactContext, DocumentRef } from '../stage.ts';
import { thoughtRewriteStage } from '../thought-rewrite/stage.ts';
import { combineConversations, completionLine, removalPass, withSharedInstruction } from './combine.ts';
import { type CardFile, type CardFileKind, type DatasetCardInput, datasetCard } from './dataset-card.ts';
import { mixGenericData } from './generic-data.ts';
import {
  documentRecord,
  pretrainingSlice,
  pretrainingTarget,
  type RagSourceRecord,
  ragSourceRecords,
} from './sft-extras.ts';

export interface SftRunFiles {
  /** Paths inside `sft_run/` with their Axolotl dataset type, in the original's order. */
  sftDatasets: Array<{ path: string; type: 'completion' | 'input_output' }>;
  sftLeftOut: Array<{ file: string; reason: string }>;
}

const TYPE_OF_KIND: Record<CardFileKind, 'completion' | 'input_output'> = {
  factual_sft: 'completion',
  generic_sft: 'completion',
  rag: 'input_output',
  corrections: 'input_output',
  pretraining_subset: 'completion',
};

export async function assembleSftRun(ctx: ArtifactContext, cleaned: readonly DocumentRef[]): Promise<SftRunFiles> {
  const { config } = ctx;
  const sft = outputTree.sftRun;
  const settings = config.final_datasaving_settings;
  const template = resolveTemplate(settings.template);
  const out: SftRunFiles = { sftDatasets: [], sftLeftOut: [] };
  const files: CardFile[] = [];
  const count = (text: string) => defaultTokenizer().count(text);
  /** Writes one file of `sft_run/` (JSON Lines, or a JSON array as the original writes correction data), lists it as
   * a dataset of the SFT config (or as left out when empty) and on the card with its records and tokens. */
  const write = async (file: string, records: ReadonlyArray<TextRecord | SegmentsRecord>, kind: CardFileKind) => {
    const json = kind === 'corrections';
    await ctx.writeArtifact(sft.path(file), json ? `${JSON.stringify(records, null, 2)}\n` : toJsonl(records));
    files.push({
      path: file,
      kind,
      records: records.length,
      tokens: records.reduce((n, r) => n + count(textOf(r)), 0),
    });
    if (records.length > 0) out.sftDatasets.push({ path: file, type: TYPE_OF_KIND[kind] });
    else out.sftLeftOut.push({ file, reason: 'empty: no record was produced' });
  };

  // The domain conversations, per generation (§6.1–6.4).
  const ways = Object.keys(config.factual_sft);
  const generations = ways.length > 0 ? config.system.number_of_factual_sft_generations_to_do : 0;
  const styles: DatasetCardInput['styles'] = [];
  const domain: ShareGptConversation[] = [];
  let domainTokens = 0;
  for (let index = 0; index < generations; index++) {
    const byStyle = await Promise.all(ways.map((style) => ctx.resultOf(factualSftStage, { style, index })));
    byStyle.forEach((r, i) => {
      styles.push({ style: ways[i] as string, generation: index, conversations: r.conversations.length });
    });
    const conversations = config.system.generic_thought_process_on_domain_data
      ? (await ctx.resultOf(thoughtRewriteStage, { index })).conversations
      : byStyle.flatMap((r) => r.conversations);
    const combined = combineConversations(
      conversations,
      { maxPairs: config.factual_sft_settings.combine_sharegpt_target_pairs, datasetContext: config.dataset_context },
      seededRandom(ctx.seed, 'combine', index),
    );
    const prepared = withSharedInstruction(
      removalPass(
        combined,
        {
          removeSystemPromptRatio: config.system.remove_system_prompt_ratio,
          removeThoughtProcessRatio: config.system.remove_thought_process_ratio,
          removeThoughtProcessPrompt: config.system.remove_thought_process_prompt,
          finalAnswerStr: config.system.final_answer_str,
        },
        seededRandom(ctx.seed, 'removal', index),
      ),
      config.system.shared_instruction,
      config.dataset_context,
    );
    domain.push(...prepared);
    await ctx.writeArtifact(sft.path(sft.combined(index)), toJsonl(prepared));
    const rendered = prepared.map((c) => completionLine(c, template, settings.template_kwargs));
    for (const { text } of rendered) domainTokens += count(text);
    await write(sft.completion(index), rendered, 'factual_sft');
  }

  // Generic data from the Hub, mixed in by the domain SFT's size (§6.5).
  const generic = await mixGenericData(ctx, domainTokens, template);
  for (const g of generic) await write(sft.genericCompletion(g.file), g.lines, 'generic_sft');

  await writeRagSourceData(ctx);
  for (const { source, records } of (await ctx.resultOf(correctionStage)).bySource) {
    await write(sft.corrections(source), records, 'corrections');
  }
  for (const { source, records } of (await ctx.resultOf(ragDataStage)).bySource) {
    await write(sft.rag(source), records, 'rag');
  }
  // The pretraining slice: whole documents, up to the larger of the configured share and minimum of tokens (§6.6).
  // Only the documents drawn are read, each once.
  const texts = new Map<DocumentRef, string>();
  const slice = await pretrainingSlice(
    cleaned,
    pretrainingTarget(domainTokens, {
      percent: config.system.what_percent_of_sft_is_pretrain,
      minimum: config.system.num_tokens_pretraining_in_sft,
    }),
    async (doc) => {
      const text = await ctx.readText(doc.text);
      texts.set(doc, text);
      return count(text);
    },
    seededRandom(ctx.seed, 'pretraining-slice'),
  );
  const sliceRecords = slice.documents.map((d) => documentRecord({ text: texts.get(d) ?? '', metadata: d.metadata }));
  await write(sft.pretrainingSubset(slice.tokens), sliceRecords, 'pretraining_subset');

  const exported = await writeExports(ctx, domain);
  await ctx.writeArtifact(
    sft.path(sft.card),
    datasetCard({
      datasetContext: config.dataset_context,
      template: settings.template,
      files,
      styles,
      generic: generic.map(({ lines: _, ...g }) => g),
      exports: exported,
      report: await ctx.runReport(),
      config: splitSecrets(config).document,
    }),
  );
  return out;
}

type TextRecord = { text: string };
type SegmentsRecord = { segments: Array<{ text: string }> };
const textOf = (r: TextRecord | SegmentsRecord) => ('text' in r ? r.text : r.segments.map((s) => s.text).join(''));

/** RAG source data for a serving-time retriever: every generated question of the ways not marked not_in_rag_data. */
async function writeRagSourceData(ctx: ArtifactContext): Promise<void> {
  const { config } = ctx;
  const combined: RagSourceRecord[] = [];
  for (const source of ctx.sources) {
    const lines: RagSourceRecord[] = [];
    for (const [style, way] of Object.entries(config.factual_sft)) {
      if (way.not_in_rag_data) continue;
      for (let index = 0; index < config.system.number_of_factual_sft_generations_to_do; index++) {
        const items = (await ctx.outputsOf(factualSftStage, { style, index })).filter(
          (i) => i.input.sourceName === source.name,
        );
        lines.push(...ragSourceRecords(items));
      }
    }
    await ctx.writeArtifact(outputTree.ragSourceData.ofSource(source.name), toJsonl(lines));
    combined.push(...lines);
  }
  await ctx.writeArtifact(outputTree.ragSourceData.combined, toJsonl(combined));
}

/** The domain conversations as OpenAI chat JSONL, ShareGPT and Alpaca, with LLaMA-Factory's registry of them. */
async function writeExports(ctx: ArtifactContext, domain: readonly ShareGptConversation[]) {
  const paths = outputTree.exports;
  const openAi = domain.map(toOpenAiChat).filter((line) => line !== undefined);
  const alpaca = domain.map(toAlpaca).filter((record) => record !== undefined);
  await ctx.writeArtifact(paths.openAiChat, toJsonl(openAi));
  await ctx.writeArtifact(paths.shareGpt, toJsonl(domain));
  await ctx.writeArtifact(paths.alpaca, toJsonl(alpaca));
  const relative = (path: string) => path.slice('exports/'.length);
  const info = llamaFactoryDatasetInfo(
    {
      ...(domain.length > 0 ? { shareGpt: relative(paths.shareGpt) } : {}),
      ...(alpaca.length > 0 ? { alpaca: relative(paths.alpaca) } : {}),
    },
    'domain_sft',
  );
  await ctx.writeArtifact(paths.datasetInfo, `${JSON.stringify(info, null, 2)}\n`);
  return [
    { path: paths.openAiChat, records: openAi.length, leftOut: domain.length - openAi.length },
    { path: paths.shareGpt, records: domain.length, leftOut: 0 },
    { path: paths.alpaca, records: alpaca.length, leftOut: domain.length - alpaca.length },
  ];
}
