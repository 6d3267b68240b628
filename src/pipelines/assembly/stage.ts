/**
 * Stage `assembly` (a finish stage: no items): gathers the generated datasets into the folders Axolotl trains from.
 * `pretraining_run/` (blueprint §3 B): per source the representation variations, the source's own cleaned documents
 * (`text_chunks_<source>.jsonl`: each source's own, fixing ⚠ §3 B) and the inferred facts. `sft_run/` (§3 D–E): see
 * `assembleSftRun`. Returns the dataset files it wrote, in the original's order, for the training configs.
 */
import { z } from 'zod';
import { correctionStage } from '../correction/stage.ts';
import { factualSftStage } from '../factual-sft/stage.ts';
import { genericSftStage } from '../generic-sft/stage.ts';
import { inferredFactsStage } from '../inferred-facts/stage.ts';
import { outputTree } from '../output-tree.ts';
import { pdfCleaningStage } from '../pdf-cleaning/stage.ts';
import { ragDataStage } from '../rag-data/stage.ts';
import { representationVariationStage } from '../representation-variation/stage.ts';
import { pretrainingFile } from '../shared/pretraining-lines.ts';
import type { ArtifactContent, DocumentRef, FinishStageDefinition, PlanContext } from '../stage.ts';
import { thoughtRewriteStage } from '../thought-rewrite/stage.ts';
import { documentRecord } from './sft-extras.ts';
import { assembleSftRun } from './sft-run.ts';

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
      // Each file is written in pieces as it is made; the source's documents are read one at a time.
      const files: Array<[string, ArtifactContent]> = [
        [run.representationVariation(source.name), pretrainingFile(variations, source.name, datasetContext)],
        [run.textChunks(source.name), documentLines(ctx, documents)],
        [run.inferredFacts(source.name), pretrainingFile(inferred, source.name, datasetContext)],
      ];
      for (const [file, content] of files) {
        const { bytes } = await ctx.writeArtifact(run.path(file), content);
        // An empty dataset makes Axolotl fail its run; it stays in the tree, but no config lists it.
        if (bytes === 0) leftOut.push({ file, reason: 'empty: no record was produced for this source' });
        else pretrainingDatasets.push(file);
      }
    }
    return { pretrainingDatasets, leftOut, ...(await assembleSftRun(ctx, cleaned)) };
  },
};

/** The documents as JSON Lines of the original's `{text, metadata}` records, a line per document as it is read. */
async function* documentLines(ctx: Pick<PlanContext, 'readText'>, documents: readonly DocumentRef[]) {
  for (const doc of documents) {
    yield `${JSON.stringify(documentRecord({ text: await ctx.readText(doc.text), metadata: doc.metadata }))}\n`;
  }
}
