/**
 * Stage `assembly` (a finish stage: no items): gathers the generated datasets into the folders Axolotl trains from.
 * `pretraining_run/` (blueprint §3 B): per source the representation variations, the source's own cleaned documents
 * (`text_chunks_<source>.jsonl`: each source's own, fixing ⚠ §3 B) and the inferred facts. `sft_run/` (§3 D–E): see
 * `assembleSftRun`. Returns the dataset files it wrote, in the original's order, for the training configs.
 */
import { z } from 'zod';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { correctionStage } from '../correction/stage.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { genericSftStage } from '../generic-sft/stage.ts';
import { inferredFactsStage } from '../inferred-facts/stage.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { ragDataStage } from '../rag-data/stage.ts';
import { representationVariationStage } from '../representation-variation/stage.ts';
import { renderConversation, resolveTemplate } from '../shared/chat-template.ts';
import { toJsonl } from '../shared/jsonl.ts';
import { pretrainingFile } from '../shared/pretraining-lines.ts';
import type { ArtifactContext, ChunkableDocument, FinishStageDefinition } from '../stage.ts';
import { thoughtRewriteStage } from '../thought-rewrite/stage.ts';
import { combineConversations, removalPass, toChatMessages, withSharedInstruction } from './combine.ts';
import { mixGenericData } from './generic-data.ts';
import { pretrainingSlice, pretrainingTarget, type RagSourceRecord, ragSourceRecords } from './sft-extras.ts';

const AssemblySchema = z.object({
  /** File names inside `pretraining_run/`, per source: representation variations, text chunks, inferred facts. */
  pretrainingDatasets: z.array(z.string()),
  /** Files written empty (every chunk dropped), which a training config must not list, with why. */
  leftOut: z.array(z.object({ file: z.string(), reason: z.string() })),
  /** Paths inside `sft_run/` with their Axolotl dataset type, in the original's order. */
  sftDatasets: z.array(z.object({ path: z.string(), type: z.enum(['completion', 'input_output']) })),
  sftLeftOut: z.array(z.object({ file: z.string(), reason: z.string() })),
});
export type Assembly = z.infer<typeof AssemblySchema>;

export const assemblyStage: FinishStageDefinition<Assembly> = {
  kind: 'assembly',
  needs: [
    representationVariationStage,
    inferredFactsStage,
    factualSftStage,
    thoughtRewriteStage,
    ragDataStage,
    correctionStage,
    genericSftStage,
  ],
  configPath: 'final_datasaving_settings',
  result: AssemblySchema,
  async finish(ctx) {
    const run = outputTree.pretrainingRun;
    const { dataset_context: datasetContext } = ctx.config;
    const variations = await ctx.outputsOf(representationVariationStage);
    const inferred = await ctx.outputsOf(inferredFactsStage);
    const cleaned = await ctx.resultOf(pdfCleaningStage);
    const pretrainingDatasets: string[] = [];
    const leftOut: Assembly['leftOut'] = [];
    for (const source of ctx.sources) {
      const documents = cleaned.filter((d) => d.sourceName === source.name);
      const files: Array<[string, string]> = [
        [run.representationVariation(source.name), pretrainingFile(variations, source.name, datasetContext)],
        [run.textChunks(source.name), toJsonl(documents.map(documentRecord))],
        [run.inferredFacts(source.name), pretrainingFile(inferred, source.name, datasetContext)],
      ];
      for (const [file, content] of files) {
        await ctx.writeArtifact(run.path(file), content);
        // An empty dataset makes Axolotl fail its run; it stays in the tree, but no config lists it.
        if (content === '') leftOut.push({ file, reason: 'empty: no record was produced for this source' });
        else pretrainingDatasets.push(file);
      }
    }
    return { pretrainingDatasets, leftOut, ...(await assembleSftRun(ctx, cleaned)) };
  },
};

/** A whole document as the original's `{text, metadata}` record (text chunks, the pretraining slice). */
const documentRecord = (d: ChunkableDocument) => ({ text: d.text, metadata: d.metadata });

/**
 * `sft_run/` (blueprint §3 D–E, §6.6–6.7): the combined domain conversations per generation and their completion
 * text, the generic Hub data mixed in by their size, each source's correction and RAG records, the pretraining slice,
 * and `rag_source_data/`.
 */
async function assembleSftRun(
  ctx: ArtifactContext,
  cleaned: readonly ChunkableDocument[],
): Promise<Pick<Assembly, 'sftDatasets' | 'sftLeftOut'>> {
  const { config } = ctx;
  const sft = outputTree.sftRun;
  const settings = config.final_datasaving_settings;
  const template = resolveTemplate(settings.template);
  const sftDatasets: Assembly['sftDatasets'] = [];
  const sftLeftOut: Assembly['sftLeftOut'] = [];
  const count = (text: string) => defaultTokenizer().count(text);
  let domainTokens = 0;
  /** Writes one file of `sft_run/` (JSON Lines, or a JSON array as the original writes correction data) and lists
   * it as a dataset of the SFT config, or as left out when empty. */
  const write = async (
    file: string,
    records: readonly unknown[],
    type: 'completion' | 'input_output',
    json = false,
  ) => {
    await ctx.writeArtifact(sft.path(file), json ? `${JSON.stringify(records, null, 2)}\n` : toJsonl(records));
    if (records.length > 0) sftDatasets.push({ path: file, type });
    else sftLeftOut.push({ file, reason: 'empty: no record was produced' });
  };
  const ways = Object.keys(config.factual_sft);
  for (let index = 0; index < (ways.length > 0 ? config.system.number_of_factual_sft_generations_to_do : 0); index++) {
    const conversations = config.system.generic_thought_process_on_domain_data
      ? (await ctx.resultOf(thoughtRewriteStage, { index })).conversations
      : (await Promise.all(ways.map((style) => ctx.resultOf(factualSftStage, { style, index })))).flatMap(
          (r) => r.conversations,
        );
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
    await ctx.writeArtifact(sft.path(sft.combined(index)), toJsonl(prepared));
    const rendered = prepared.map((c) =>
      renderConversation(template, toChatMessages(c), settings.template_kwargs).trim(),
    );
    for (const text of rendered) domainTokens += count(text);
    await write(
      sft.completion(index),
      rendered.map((text) => ({ text })),
      'completion',
    );
  }
  // Generic data from the Hub, mixed in by the domain SFT's size (§6.5).
  for (const generic of await mixGenericData(ctx, domainTokens, template)) {
    await write(sft.genericCompletion(generic.file), generic.lines, 'completion');
  }
  // RAG source data for a serving-time retriever: every generated question of the ways not marked not_in_rag_data.
  const combinedRag: RagSourceRecord[] = [];
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
    combinedRag.push(...lines);
  }
  await ctx.writeArtifact(outputTree.ragSourceData.combined, toJsonl(combinedRag));

  const corrections = await ctx.resultOf(correctionStage);
  for (const { source, records } of corrections.bySource) {
    await write(sft.corrections(source), records, 'input_output', true);
  }
  const rag = await ctx.resultOf(ragDataStage);
  for (const { source, records } of rag.bySource) {
    await write(sft.rag(source), records, 'input_output');
  }
  // The pretraining slice: whole documents, up to the larger of the configured share and minimum of tokens.
  const slice = pretrainingSlice(
    cleaned,
    pretrainingTarget(domainTokens, {
      percent: config.system.what_percent_of_sft_is_pretrain,
      minimum: config.system.num_tokens_pretraining_in_sft,
    }),
    count,
    seededRandom(ctx.seed, 'pretraining-slice'),
  );
  await write(sft.pretrainingSubset(slice.tokens), slice.documents.map(documentRecord), 'completion');
  return { sftDatasets, sftLeftOut };
}
