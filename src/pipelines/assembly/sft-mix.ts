/**
 * Stage `sft_mix` (a finish stage: no items): the conversation half of `sft_run/` (blueprint §3 D–E, §6.1–6.7), run as
 * soon as the factual styles, their thought rewrite and the generic download settle, while the other stages may still
 * be at work: per generation the combined domain conversations and their completion text; the generic Hub data mixed
 * in by their size; the pretraining slice, sized by them too; `rag_source_data/`; and the domain conversations
 * exported for other trainers (`exports/`). The RAG and correction records and the dataset card follow in `assembly`.
 * Returns the files for the card and the SFT config, with what the card says of the styles, the mix and the exports.
 */
import { z } from 'zod';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { mapInSlices } from '../../lib/time-slices.ts';
import { llamaFactoryDatasetInfo, toAlpaca, toOpenAiChat } from '../exports/formats.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { genericSftStage } from '../generic-sft/stage.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { resolveTemplate } from '../shared/chat-template.ts';
import { toJsonl } from '../shared/jsonl.ts';
import type { ShareGptConversation } from '../shared/sharegpt.ts';
import type { ArtifactContext, DocumentRef, FinishStageDefinition } from '../stage.ts';
import { thoughtRewriteStage } from '../thought-rewrite/stage.ts';
import { combineConversations, completionLine, removalPass, withSharedInstruction } from './combine.ts';
import { mixGenericData } from './generic-data.ts';
import {
  documentRecord,
  pretrainingSlice,
  pretrainingTarget,
  type RagSourceRecord,
  ragSourceRecords,
} from './sft-extras.ts';
import { CardFileSchema, writeSftFile } from './sft-files.ts';

const SftMixSchema = z.object({
  /** The completion files per generation, then each generic dataset's share: `sft_run/`'s first files, in order. */
  conversationFiles: z.array(CardFileSchema),
  /** The pretraining slice, the last file of `sft_run/`. */
  sliceFile: CardFileSchema,
  styles: z.array(z.object({ style: z.string(), generation: z.number().int(), conversations: z.number().int() })),
  generic: z.array(
    z.object({
      repo: z.string(),
      file: z.string(),
      target: z.number(),
      rows: z.number().int(),
      tokens: z.number().int(),
    }),
  ),
  exports: z.array(z.object({ path: z.string(), records: z.number().int(), leftOut: z.number().int() })),
});
export type SftMix = z.infer<typeof SftMixSchema>;

export const sftMixStage: FinishStageDefinition<SftMix> = {
  kind: 'sft_mix',
  needs: [pdfCleaningStage, factualSftStage, thoughtRewriteStage, genericSftStage],
  configPath: 'final_datasaving_settings',
  result: SftMixSchema,
  async finish(ctx) {
    const { config } = ctx;
    const sft = outputTree.sftRun;
    const settings = config.final_datasaving_settings;
    const template = resolveTemplate(settings.template);
    const count = (text: string) => defaultTokenizer().count(text);
    const conversationFiles: SftMix['conversationFiles'] = [];

    // The domain conversations, per generation (§6.1–6.4).
    const ways = Object.keys(config.factual_sft);
    const generations = ways.length > 0 ? config.system.number_of_factual_sft_generations_to_do : 0;
    const styles: SftMix['styles'] = [];
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
      // Rendered in slices: the stages still at work share this thread, and their calls wait while it is busy.
      const rendered = await mapInSlices(prepared, (c) => completionLine(c, template, settings.template_kwargs));
      const file = await writeSftFile(ctx, sft.completion(index), rendered, 'factual_sft');
      domainTokens += file.tokens;
      conversationFiles.push(file);
    }

    // Generic data from the Hub, mixed in by the domain SFT's size (§6.5).
    const generic = await mixGenericData(ctx, domainTokens, template);
    for (const g of generic)
      conversationFiles.push(await writeSftFile(ctx, sft.genericCompletion(g.file), g.lines, 'generic_sft'));

    await writeRagSourceData(ctx);
    const sliceFile = await writePretrainingSlice(ctx, await ctx.resultOf(pdfCleaningStage), domainTokens, count);
    return {
      conversationFiles,
      sliceFile,
      styles,
      generic: generic.map(({ lines: _, ...g }) => g),
      exports: await writeExports(ctx, domain),
    };
  },
};

/**
 * The pretraining slice: whole documents, up to the larger of the configured share and minimum of tokens (§6.6). Only
 * the documents drawn are read, each once.
 */
async function writePretrainingSlice(
  ctx: ArtifactContext,
  cleaned: readonly DocumentRef[],
  domainTokens: number,
  count: (text: string) => number,
) {
  const { system } = ctx.config;
  const texts = new Map<DocumentRef, string>();
  const slice = await pretrainingSlice(
    cleaned,
    pretrainingTarget(domainTokens, {
      percent: system.what_percent_of_sft_is_pretrain,
      minimum: system.num_tokens_pretraining_in_sft,
    }),
    async (doc) => {
      const text = await ctx.readText(doc.text);
      texts.set(doc, text);
      return count(text);
    },
    seededRandom(ctx.seed, 'pretraining-slice'),
  );
  const records = slice.documents.map((d) => documentRecord({ text: texts.get(d) ?? '', metadata: d.metadata }));
  return writeSftFile(ctx, outputTree.sftRun.pretrainingSubset(slice.tokens), records, 'pretraining_subset');
}

/**
 * RAG source data for a serving-time retriever: every generated question of the ways not marked not_in_rag_data, per
 * source and combined. Each factual stage instance is read once, whatever the number of sources.
 */
async function writeRagSourceData(ctx: ArtifactContext): Promise<void> {
  const { config } = ctx;
  const bySource = new Map<string, RagSourceRecord[]>(ctx.sources.map((s) => [s.name, []]));
  for (const [style, way] of Object.entries(config.factual_sft)) {
    if (way.not_in_rag_data) continue;
    for (let index = 0; index < config.system.number_of_factual_sft_generations_to_do; index++) {
      for (const item of await ctx.outputsOf(factualSftStage, { style, index })) {
        bySource.get(item.input.sourceName)?.push(...ragSourceRecords([item]));
      }
    }
  }
  const combined: RagSourceRecord[] = [];
  for (const source of ctx.sources) {
    const lines = bySource.get(source.name) ?? [];
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
