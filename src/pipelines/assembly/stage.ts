/**
 * Stage `assembly` (a finish stage: no items): completes the folders Axolotl trains from, once every stage has
 * settled. `pretraining_files` and `sft_mix` wrote their parts as soon as their own inputs settled; this writes what
 * the last stages make, each source's correction and RAG records in `sft_run/` (§3 D–E), then `sft_run/README.md`, the
 * dataset card of the whole folder, and returns the dataset files of both runs, in the original's order, for the
 * training configs.
 */
import { z } from 'zod';
import { splitSecrets } from '../../config/composition/secrets.ts';
import { correctionStage } from '../correction/stage.ts';
import { outputTree } from '../output-tree.ts';
import { ragDataStage } from '../rag-data/stage.ts';
import type { FinishStageDefinition } from '../stage.ts';
import { datasetCard } from './dataset-card.ts';
import { LeftOutSchema, PretrainingFilesSchema, pretrainingFilesStage } from './pretraining-files.ts';
import { sftDatasetsOf, writeSftFile } from './sft-files.ts';
import { sftMixStage } from './sft-mix.ts';

/** The pretraining files (`pretraining_files`' result), then the SFT run's. */
const AssemblySchema = PretrainingFilesSchema.extend({
  /** Paths inside `sft_run/` with their Axolotl dataset type, in the original's order. */
  sftDatasets: z.array(z.object({ path: z.string(), type: z.enum(['completion', 'input_output']) })),
  sftLeftOut: z.array(LeftOutSchema),
});
export type Assembly = z.infer<typeof AssemblySchema>;

export const assemblyStage: FinishStageDefinition<Assembly> = {
  kind: 'assembly',
  needs: [pretrainingFilesStage, sftMixStage, correctionStage, ragDataStage],
  configPath: 'final_datasaving_settings',
  result: AssemblySchema,
  async finish(ctx) {
    const { config } = ctx;
    const sft = outputTree.sftRun;
    const pretraining = await ctx.resultOf(pretrainingFilesStage);
    const mix = await ctx.resultOf(sftMixStage);
    const records = [];
    for (const { source, records: lines } of (await ctx.resultOf(correctionStage)).bySource) {
      records.push(await writeSftFile(ctx, sft.corrections(source), lines, 'corrections'));
    }
    for (const { source, records: lines } of (await ctx.resultOf(ragDataStage)).bySource) {
      records.push(await writeSftFile(ctx, sft.rag(source), lines, 'rag'));
    }
    // The original's order: the conversations, the generic shares, corrections, RAG, then the pretraining slice.
    const files = [...mix.conversationFiles, ...records, mix.sliceFile];
    await ctx.writeArtifact(
      sft.path(sft.card),
      datasetCard({
        datasetContext: config.dataset_context,
        template: config.final_datasaving_settings.template,
        files,
        styles: mix.styles,
        generic: mix.generic,
        exports: mix.exports,
        report: await ctx.runReport(),
        config: splitSecrets(config).document,
      }),
    );
    return { ...pretraining, ...sftDatasetsOf(files) };
  },
};
