/**
 * Stage `assembly` (a finish stage: no items): gathers the generated datasets into the folders Axolotl trains from.
 * This version assembles `pretraining_run/` (blueprint §3 B): per source the representation variations, the source's
 * own cleaned documents (`text_chunks_<source>.jsonl`: each source's own, fixing ⚠ §3 B) and the inferred facts.
 * Returns the dataset files it wrote, in the original's order, for the training configs. `sft_run/` follows with the
 * SFT stages.
 */
import { z } from 'zod';
import { defaultTokenizer } from '../../ingest/tokenizer.ts';
import { seededRandom } from '../../lib/seeded-random.ts';
import { correctionStage } from '../correction/stage.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { inferredFactsStage } from '../inferred-facts/stage.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { genericSftStage } from '../planned-stages.ts';
import { ragDataStage } from '../rag-data/stage.ts';
import { representationVariationStage } from '../representation-variation/stage.ts';
import { renderConversation, resolveTemplate } from '../shared/chat-template.ts';
import { pretrainingFile } from '../shared/pretraining-lines.ts';
import type { ArtifactContext, FinishStageDefinition } from '../stage.ts';
import { thoughtRewriteStage } from '../thought-rewrite/stage.ts';
import { combineConversations, removalPass, toChatMessages, withSharedInstruction } from './combine.ts';
import { pretrainingSlice, pretrainingTarget, ragSourceRecords } from './sft-extras.ts';

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
      const textChunks = documents.map((d) => JSON.stringify({ text: d.text, metadata: d.metadata }));
      const files: Array<[string, string]> = [
        [run.representationVariation(source.name), pretrainingFile(variations, source.name, datasetContext)],
        [run.textChunks(source.name), textChunks.length > 0 ? `${textChunks.join('\n')}\n` : ''],
        [run.inferredFacts(source.name), pretrainingFile(inferred, source.name, datasetContext)],
      ];
      for (const [file, content] of files) {
        await ctx.writeArtifact(run.path(file), content);
        // An empty dataset makes Axolotl fail its run; it stays in the tree, but no config lists it.
        if (content === '') leftOut.push({ file, reason: 'empty: no record was produced for this source' });
        else pretrainingDatasets.push(file);
      }
    }
    return { pretrainingDatasets, leftOut, ...(await assembleSftRun(ctx)) };
  },
};

/** `sft_run/` (blueprint §3 D–E): the combined domain conversations per generation, their completion text, and each
 * source's RAG and correction records. (Generic Hub data and the pretraining slice come with the generic-SFT stage.) */
async function assembleSftRun(ctx: ArtifactContext): Promise<Pick<Assembly, 'sftDatasets' | 'sftLeftOut'>> {
  const { config } = ctx;
  const sft = outputTree.sftRun;
  const settings = config.final_datasaving_settings;
  const template = resolveTemplate(settings.template);
  const sftDatasets: Assembly['sftDatasets'] = [];
  const sftLeftOut: Assembly['sftLeftOut'] = [];
  const count = (text: string) => defaultTokenizer().count(text);
  let domainTokens = 0;
  const write = async (file: string, lines: string[], type: 'completion' | 'input_output', json = false) => {
    const content = json
      ? `${JSON.stringify(
          lines.map((l) => JSON.parse(l)),
          null,
          2,
        )}\n`
      : lines.length > 0
        ? `${lines.join('\n')}\n`
        : '';
    await ctx.writeArtifact(sft.path(file), content);
    if (lines.length > 0) sftDatasets.push({ path: file, type });
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
    await ctx.writeArtifact(
      sft.path(sft.combined(index)),
      prepared.length > 0 ? `${prepared.map((c) => JSON.stringify(c)).join('\n')}\n` : '',
    );
    const rendered = prepared.map((c) =>
      renderConversation(template, toChatMessages(c), settings.template_kwargs).trim(),
    );
    for (const text of rendered) domainTokens += count(text);
    const texts = rendered.map((text) => JSON.stringify({ text }));
    await write(sft.completion(index), texts, 'completion');
  }
  // RAG source data for a serving-time retriever: every generated question of the ways not marked not_in_rag_data.
  const combinedRag: string[] = [];
  for (const source of ctx.sources) {
    const lines: string[] = [];
    for (const [style, way] of Object.entries(config.factual_sft)) {
      if (way.not_in_rag_data) continue;
      for (let index = 0; index < config.system.number_of_factual_sft_generations_to_do; index++) {
        const items = (await ctx.outputsOf(factualSftStage, { style, index })).filter(
          (i) => i.input.sourceName === source.name,
        );
        lines.push(...ragSourceRecords(items).map((r) => JSON.stringify(r)));
      }
    }
    await ctx.writeArtifact(
      outputTree.ragSourceData.ofSource(source.name),
      lines.length > 0 ? `${lines.join('\n')}\n` : '',
    );
    combinedRag.push(...lines);
  }
  await ctx.writeArtifact(
    outputTree.ragSourceData.combined,
    combinedRag.length > 0 ? `${combinedRag.join('\n')}\n` : '',
  );

  const corrections = await ctx.resultOf(correctionStage);
  for (const { source, records } of corrections.bySource) {
    await write(
      sft.corrections(source),
      records.map((r) => JSON.stringify(r)),
      'input_output',
      true,
    );
  }
  const rag = await ctx.resultOf(ragDataStage);
  for (const { source, records } of rag.bySource) {
    await write(
      sft.rag(source),
      records.map((r) => JSON.stringify(r)),
      'input_output',
    );
  }
  // The pretraining slice: whole documents, up to the larger of the configured share and minimum of tokens.
  const slice = pretrainingSlice(
    await ctx.resultOf(pdfCleaningStage),
    pretrainingTarget(domainTokens, {
      percent: config.system.what_percent_of_sft_is_pretrain,
      minimum: config.system.num_tokens_pretraining_in_sft,
    }),
    count,
    seededRandom(ctx.seed, 'pretraining-slice'),
  );
  await write(
    sft.pretrainingSubset(slice.tokens),
    slice.documents.map((d) => JSON.stringify({ text: d.text, metadata: d.metadata })),
    'completion',
  );
  return { sftDatasets, sftLeftOut };
}
